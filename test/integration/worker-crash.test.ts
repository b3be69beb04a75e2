/**
 * Ten worker SIGKILLs at random moments during a multi-patient ingest, and a worker paused (SIGSTOP)
 * for 6 s (real worker processes, real Redis): the derived outputs equal those of a clean run, no flag
 * is duplicated, no job is left failed, nothing acknowledged is missing. Timing is reported, never
 * asserted. Each kill hits a process while it holds a job (BullMQ's processedBy names the process), and
 * the pause outlasts the job locks while a second worker is up, so both tests also assert that jobs
 * stalled and were run again: without that, a test like this passes on processes killed before they
 * ever took a job.
 */
import type { ChildProcess } from 'node:child_process';
import { expectSameOutputs, outputFingerprints } from '../helpers/output-fingerprints';
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

  expectSameOutputs(await outputFingerprints(h), expected);
  expect(await h.rt.deadLetters.count()).toBe(0);
}

/** The pids of the worker processes holding an ingest or assemble job now. */
async function holdingPids(h: Harness): Promise<Set<number>> {
  const active = await Promise.all(
    ['ingest', 'assemble'].map((q) => h.rt.queues.get(q as 'ingest').getActive()),
  );
  return new Set(
    active.flat().map((j) =>
      Number(
        String(j.processedBy ?? '')
          .split(':')
          .pop(),
      ),
    ),
  );
}

/** How many times BullMQ's stall check moved a job of these queues back to wait (their event streams). */
async function stalledEvents(h: Harness): Promise<number> {
  let n = 0;
  for (const name of ['ingest', 'assemble'] as const) {
    const q = h.rt.queues.get(name);
    const entries = await h.rt.conn.xrange(q.keys.events, '-', '+');
    n += entries.filter(([, fields]) => fields[0] === 'event' && fields[1] === 'stalled').length;
  }
  return n;
}

function startWorker(prefix: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawnBitebridge(['worker', 'ingest', 'assemble'], {
    KEY_PREFIX: prefix,
    REDIS_URL: TEST_REDIS_URL,
    WORKER_CONCURRENCY: '2',
    INGEST_CONCURRENCY: '2',
    JOB_LOCK_MS: '5000',
    JOB_STALLED_CHECK_MS: '2000',
    SWEEP_INTERVAL_MS: '1000',
    ...env,
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
    expected = await outputFingerprints(clean);
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
    let replays = 0;
    const replayStatuses: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      // The victim: a live process holding a job at this moment. While none does (processes starting,
      // queues drained), more payloads go in: the rest of the patients, then replays of them (unchanged
      // content, so the outputs of a clean run still hold).
      const victim = await waitFor(
        `a worker process holding a job (kill ${k + 1})`,
        async () => {
          const holding = await holdingPids(h);
          const candidates = live.filter((c) => holding.has(c.pid ?? -1));
          if (candidates.length) return candidates[Math.floor(rand() * candidates.length)];
          const waiting = await h.rt.queues.get('ingest').getWaitingCount();
          if (waiting === 0 && statusUrls.length < bundles.length) await post(1);
          else if (waiting === 0) {
            const res = await h.request('POST', '/fhir', {
              token: TOKENS.hospA,
              body: bundles[replays++ % bundles.length],
              headers: { prefer: 'respond-async' },
            });
            replayStatuses.push(res.status); // asserted below: waitFor retries on a throw
          }
          return undefined;
        },
        300_000,
        5,
      );
      await new Promise((r) => setTimeout(r, rand() * 20));
      victim.kill('SIGKILL');
      await exited(victim);
      live = [...live.filter((c) => c !== victim), startWorker(h.prefix)];
    }
    await post(bundles.length);
    expect(replayStatuses.filter((s) => s !== 202)).toEqual([]);

    await allProcessedAsInCleanRun(h, statusUrls);
    // The killed processes' jobs were found stalled and run again by the others.
    expect(await stalledEvents(h)).toBeGreaterThan(0);
    process.stdout.write(
      `worker-crash: ${KILLS} kills of processes holding jobs, ${await stalledEvents(h)} stalled jobs run again, ` +
        `${replays} replays, all payloads done ${Date.now() - t0} ms after the first\n`,
    );
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  }
}, 900_000);

test('a worker paused 6 s (SIGSTOP) during ingest: no duplicate output, no failed job', async () => {
  const h = await startHarness('pause', { workers: false });
  try {
    // Both processes up first; the paused one's locks (2 s) expire during its 6 s pause, so the other
    // finds its jobs stalled and runs them again while the paused run resumes: each of those jobs runs
    // twice at once, which is what the processors must survive.
    const shortLocks = { JOB_LOCK_MS: '2000', JOB_STALLED_CHECK_MS: '1000' };
    const paused = startWorker(h.prefix, shortLocks);
    const other = startWorker(h.prefix, shortLocks);
    const ingest = h.rt.queues.get('ingest');
    await waitFor('both workers to connect', async () => (await ingest.getWorkers()).length >= 2, 300_000);
    const statusUrls: string[] = [];
    await postAsync(h, statusUrls, bundles.length);
    await waitFor(
      'the paused-to-be worker to hold a job',
      async () => (await holdingPids(h)).has(paused.pid ?? -1),
      300_000,
      5,
    );
    paused.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 6000));
    paused.kill('SIGCONT');
    await allProcessedAsInCleanRun(h, statusUrls);
    expect(await stalledEvents(h)).toBeGreaterThan(0);
    expect(other.exitCode).toBeNull();
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.close();
  }
}, 900_000);
