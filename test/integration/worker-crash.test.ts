/**
 * Ten worker SIGKILLs at random moments during a multi-patient ingest, and a worker paused (SIGSTOP)
 * for 6 s (real worker processes, real Redis): the derived outputs equal those of a clean run, no flag
 * is duplicated, no job is left failed, nothing acknowledged is missing. Timing is reported, never
 * asserted.
 */
import type { ChildProcess } from 'node:child_process';
import { fingerprint } from '../../src/ingest/canonical';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { exited, spawnBitebridge, waitFor } from '../helpers/processes';
import { TEST_REDIS_URL } from '../helpers/redis';
import { seedBundles } from '../helpers/synthetic';

const PATIENTS = 24;
const KILLS = 10;
const bundles = seedBundles(PATIENTS, 'k');
const children: ChildProcess[] = [];

/** Deterministic "random" moments, so a failure can be replayed. */
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

async function outputsOf(h: Harness): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for await (const p of h.rt.store.patients()) {
    for (const o of (await h.rt.store.currentOutputs(p)).values()) all.set(o.key, fingerprint(o.resource));
  }
  return all;
}

/** Posts the next `n` bundles with respond-async, collecting their status URLs. */
async function postAsync(h: Harness, statusUrls: string[], n: number): Promise<void> {
  for (let i = 0; i < n && statusUrls.length < bundles.length; i++) {
    const res = await h.request('POST', '/fhir', {
      token: TOKENS.hospA,
      body: bundles[statusUrls.length],
      headers: { prefer: 'respond-async' },
    });
    expect(res.status).toBe(202);
    statusUrls.push(new URL(res.headers.get('content-location')!).pathname);
  }
}

/** Every status answered 200, queues drained, nothing failed or pending, outputs as in the clean run. */
async function allProcessedAsInCleanRun(h: Harness, statusUrls: string[]): Promise<void> {
  for (const path of statusUrls) {
    const done = await waitFor(
      `status ${path}`,
      async () => {
        const s = await h.request('GET', path, { token: TOKENS.hospA });
        return s.status === 202 ? undefined : s;
      },
      400_000,
      250,
    );
    expect(done.status).toBe(200);
    expect(done.body.entry.every((e: any) => /^20[01]/.test(e.response.status))).toBe(true);
  }
  await waitFor(
    'queues drained, no job failed, ingest log empty',
    async () => {
      const counts = await Promise.all(
        ['ingest', 'assemble'].map((q) =>
          h.rt.queues.get(q as 'ingest').getJobCounts('waiting', 'active', 'delayed', 'failed'),
        ),
      );
      const busy = counts.reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
      return busy === 0 && (await h.rt.payloads.pendingCount()) === 0;
    },
    400_000,
    250,
  );
  await h.idle(400_000);

  const actual = await outputsOf(h);
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [k, fp] of expected) expect([k, actual.get(k)]).toEqual([k, fp]);
  expect(await h.rt.deadLetters.count()).toBe(0);
}

function startWorker(prefix: string): ChildProcess {
  const child = spawnBitebridge(['worker', 'ingest', 'assemble'], {
    KEY_PREFIX: prefix,
    REDIS_URL: TEST_REDIS_URL,
    WORKER_CONCURRENCY: '2',
    JOB_LOCK_MS: '5000',
    JOB_STALLED_CHECK_MS: '2000',
    SWEEP_INTERVAL_MS: '1000',
  });
  children.push(child);
  return child;
}

let expected: Map<string, string>;

beforeAll(async () => {
  const clean = await startHarness('crash-clean');
  try {
    for (const b of bundles) {
      const res = await clean.request('POST', '/fhir', { token: TOKENS.hospA, body: b });
      expect(res.status).toBe(200);
    }
    await clean.idle(300_000);
    expected = await outputsOf(clean);
  } finally {
    await clean.close();
  }
  expect([...expected.keys()].some((k) => k.startsWith('DetectedIssue/'))).toBe(true);
}, 600_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

test('ten worker SIGKILLs during ingest: same outputs as a clean run, nothing lost or doubled', async () => {
  const h = await startHarness('crash', { workers: false });
  try {
    let live = [startWorker(h.prefix), startWorker(h.prefix)];
    const rand = lcg(8);
    const statusUrls: string[] = [];
    const post = (n: number) => postAsync(h, statusUrls, n);
    await post(4);
    const t0 = Date.now();
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 200 + rand() * 1300));
      const victim = live[Math.floor(rand() * live.length)];
      victim.kill('SIGKILL');
      await exited(victim);
      live = [...live.filter((c) => c !== victim), startWorker(h.prefix)];
      await post(Math.ceil(bundles.length / KILLS));
    }
    await post(bundles.length);

    await allProcessedAsInCleanRun(h, statusUrls);
    process.stdout.write(
      `worker-crash: ${KILLS} kills, all payloads done ${Date.now() - t0} ms after the first\n`,
    );
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  }
}, 900_000);

test('a worker paused 6 s (SIGSTOP) during ingest: no duplicate output, no failed job', async () => {
  const h = await startHarness('pause', { workers: false });
  try {
    const paused = spawnBitebridge(['worker', 'ingest', 'assemble'], {
      KEY_PREFIX: h.prefix,
      REDIS_URL: TEST_REDIS_URL,
      WORKER_CONCURRENCY: '2',
      SWEEP_INTERVAL_MS: '1000',
    });
    children.push(paused);
    const ingest = h.rt.queues.get('ingest');
    await waitFor('the worker to connect', async () => (await ingest.getWorkers()).length >= 1, 300_000);
    const statusUrls: string[] = [];
    await postAsync(h, statusUrls, bundles.length);
    // Paused while it holds jobs; a second worker comes up meanwhile and takes the rest.
    await waitFor('the worker to hold a job', async () => (await ingest.getActiveCount()) > 0, 300_000, 20);
    paused.kill('SIGSTOP');
    children.push(startWorker(h.prefix));
    await new Promise((r) => setTimeout(r, 6000));
    paused.kill('SIGCONT');
    await allProcessedAsInCleanRun(h, statusUrls);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  }
}, 900_000);
