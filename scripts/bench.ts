/**
 * `npm run bench`: throughput figures, each next to a baseline measured in the same run on the same
 * machine, so the ratios survive a change of hardware. Informative only: nothing here asserts a time.
 *
 *   baseline A  BullMQ two-stage no-op pipeline (job in queue 1 → its processor adds a job to queue 2)
 *   product A   HTTP transaction ingest → map → assemble → flags, end to end, for synthetic patients
 *   baseline B  JSON round trip of the same events (the cheapest possible "processing" of them)
 *   product B   the pure domain: map every resource, assemble courses, raise flags, render FHIR
 *   product C   input validation of a 50-entry Bundle, output validation of a course
 *
 * Needs Redis (REDIS_URL, default 127.0.0.1:6379); uses its own random key prefix and removes it.
 * Options (env): BENCH_PATIENTS (default 60), BENCH_PIPELINE_JOBS (default 3000).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { TokenRegistry } from '../src/auth/tokens';
import { loadClinical, REPO_ROOT } from '../src/clinical';
import { createLogger } from '../src/logger';
import { createRuntime, startApi, stopRuntime } from '../src/runtime';
import { namespaceEntries } from '../src/ingest/namespace';
import { parsePayload } from '../src/ingest/entries';
import { validateBundle, assertValidOutput } from '../src/validation/index';
import { WORKERS } from '../workers';
import { benchOutputValidation } from './bench-output-validation';
import { deletePrefix, uniquePrefix } from '../test/helpers/redis';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 60);
const PIPELINE_JOBS = Number(process.env.BENCH_PIPELINE_JOBS ?? 3000);
const SEEDS = join(REPO_ROOT, 'test', 'fixtures', 'seeds');

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const line = (label: string, value: string) => console.log(`  ${label.padEnd(58)} ${value}`);

/** The seed bundles, with every id and reference renamed for synthetic patient `n`. */
function syntheticBundles(n: number): Bundle[] {
  const files = readdirSync(SEEDS)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const base = files.map((f) => readFileSync(join(SEEDS, f), 'utf8'));
  const out: Bundle[] = [];
  for (let i = 0; i < n; i++) {
    const text = base[i % base.length];
    // ids in the fixtures are unique per file; prefixing every "id" and relative reference keeps them unique per copy
    const renamed = text
      .replace(/"id":\s*"([^"]+)"/g, (_m, id) => `"id": "b${i}-${id}"`)
      .replace(/"reference":\s*"([A-Za-z]+)\/([^"]+)"/g, (_m, t, id) => `"reference": "${t}/b${i}-${id}"`)
      .replace(/"url":\s*"([A-Za-z]+)\/([^"]+)"/g, (_m, t, id) => `"url": "${t}/b${i}-${id}"`)
      .replace(
        /urn:uuid:([0-9a-f-]+)/g,
        (_m, u) => `urn:uuid:${u.slice(0, -6)}${String(i).padStart(6, '0')}`,
      );
    out.push(JSON.parse(renamed) as Bundle);
  }
  return out;
}

async function baselinePipeline(): Promise<number> {
  const prefix = uniquePrefix('bench-base');
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const opts = { connection: conn, prefix: `{${prefix}:q}` };
  const q1 = new Queue('one', opts);
  const q2 = new Queue('two', opts);
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  const w1 = new Worker('one', async (job) => void (await q2.add('x', job.data)), {
    ...opts,
    connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
    concurrency: 50,
  });
  const w2 = new Worker(
    'two',
    async () => {
      if (++done === PIPELINE_JOBS) finish();
    },
    { ...opts, connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), concurrency: 50 },
  );
  const t0 = performance.now();
  await q1.addBulk(
    Array.from({ length: PIPELINE_JOBS }, (_, i) => ({
      name: 'x',
      data: { i },
      opts: { removeOnComplete: true },
    })),
  );
  await finished;
  const perSec = PIPELINE_JOBS / ((performance.now() - t0) / 1000);
  await Promise.all([w1.close(), w2.close()]);
  await Promise.all([q1.close(), q2.close()]);
  await deletePrefix(conn, prefix);
  await conn.quit();
  return perSec;
}

async function endToEnd(
  bundles: Bundle[],
): Promise<{ ackPerSec: number; patientsPerSec: number; resources: number; flags: number; courses: number }> {
  const prefix = uniquePrefix('bench');
  const token = 'bench-token-0000000000000001';
  const rt = await createRuntime(
    { keyPrefix: prefix, port: 0, redisUrl: REDIS_URL, redisEmbedded: 'never' },
    createLogger('silent'),
  );
  const app = await startApi(rt, {
    registry: new TokenRegistry([{ token, source: 'bench', scopes: ['ingest'] }]),
    origin: 'bench',
  });
  for (const f of Object.values(WORKERS)) f?.(rt);
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/fhir`;
  const resources = bundles.reduce((n, b) => n + (b.entry?.length ?? 0), 0);
  const t0 = performance.now();
  let next = 0;
  const post = async () => {
    while (next < bundles.length) {
      const b = bundles[next++];
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` },
        body: JSON.stringify(b),
      });
      if (res.status !== 200)
        throw new Error(`bench bundle rejected: HTTP ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all([post(), post(), post(), post()]);
  const acked = performance.now();
  for (;;) {
    let busy = 0;
    for (const name of ['ingest', 'assemble'] as const) {
      const c = await rt.queues.get(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      busy += Object.values(c).reduce((a, b) => a + b, 0);
    }
    if (!busy) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const drained = performance.now();
  let flags = 0;
  let courses = 0;
  for await (const p of rt.store.patients()) {
    for (const o of (await rt.store.currentOutputs(p)).values()) {
      if (o.resource.resourceType === 'DetectedIssue') flags++;
      if (o.resource.resourceType === 'MedicationStatement') courses++;
    }
  }
  await stopRuntime(rt);
  const r = new Redis(REDIS_URL);
  await deletePrefix(r, prefix);
  await r.quit();
  return {
    ackPerSec: resources / ((acked - t0) / 1000),
    patientsPerSec: bundles.length / ((drained - t0) / 1000),
    resources,
    flags,
    courses,
  };
}

function pureDomain(bundles: Bundle[]): { patientsPerSec: number; baselinePerSec: number } {
  const clinical = loadClinical();
  // Prepare each patient's stored resources once (what the workers read back from Redis).
  const prepared = bundles.map((b) =>
    namespaceEntries(parsePayload(b).entries, 'bench').prepared.map((p) => p.resource),
  );
  const run = (resources: Resource[]) => {
    const byRef = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
    const events = resources.flatMap((r) => clinical.map(r, 'bench', (ref) => byRef.get(ref)).events);
    const patient = events[0]?.patient ?? '';
    return { events, outputs: clinical.derive(patient, events) };
  };
  const all = prepared.map(run);
  const rounds = 3;
  let t0 = performance.now();
  for (let k = 0; k < rounds; k++) for (const p of prepared) run(p);
  const patientsPerSec = (rounds * prepared.length) / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let k = 0; k < rounds; k++) for (const a of all) JSON.parse(JSON.stringify(a.events));
  const baselinePerSec = (rounds * all.length) / ((performance.now() - t0) / 1000);
  return { patientsPerSec, baselinePerSec };
}

function validation(bundle: Bundle): { bundleMs: number; courseMs: number } {
  const clinical = loadClinical();
  const resources = namespaceEntries(parsePayload(bundle).entries, 'bench').prepared.map((p) => p.resource);
  const byRef = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
  const events = resources.flatMap((r) => clinical.map(r, 'bench', (ref) => byRef.get(ref)).events);
  const course = clinical
    .derive(events[0]?.patient ?? '', events)
    .find((r) => r.resourceType === 'MedicationStatement');
  const n = 50;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) validateBundle(bundle);
  const bundleMs = (performance.now() - t0) / n;
  t0 = performance.now();
  for (let i = 0; i < n && course; i++) assertValidOutput(course);
  return { bundleMs, courseMs: course ? (performance.now() - t0) / n : NaN };
}

async function main(): Promise<void> {
  console.log(
    `bitebridge bench: node ${process.version}, ${cpus().length} cores, Redis ${REDIS_URL.replace(/\/\/[^@/]*@/, '//***@')}\n`,
  );
  const bundles = syntheticBundles(PATIENTS);

  const base = await baselinePipeline();
  console.log('Queues');
  line(`baseline: BullMQ two-stage no-op pipeline (${PIPELINE_JOBS} jobs)`, `${fmt(base)} pipelines/s`);
  const e2e = await endToEnd(bundles);
  line(`ingest ack: HTTP transactions, 4 concurrent senders`, `${fmt(e2e.ackPerSec)} resources/s`);
  line(
    `end to end: ${PATIENTS} patients, ${e2e.resources} resources → ${e2e.courses} courses, ${e2e.flags} flags`,
    `${fmt(e2e.patientsPerSec, 1)} patients/s`,
  );
  line('ratio: patients end to end / baseline pipelines', `${fmt(e2e.patientsPerSec / base, 4)}`);

  console.log('\nPure domain (one core)');
  const d = pureDomain(bundles);
  line("baseline: JSON round trip of each patient's events", `${fmt(d.baselinePerSec)} patients/s`);
  line('map + assemble + flag + render', `${fmt(d.patientsPerSec)} patients/s`);
  line('ratio: domain / baseline', `${fmt(d.patientsPerSec / d.baselinePerSec, 3)}`);

  console.log('\nValidation (one core)');
  const v = validation(bundles[0]);
  line(`validateBundle (${bundles[0].entry?.length ?? 0} entries)`, `${fmt(v.bundleMs, 2)} ms`);
  line('assertValidOutput (one course)', `${fmt(v.courseMs, 2)} ms`);
  line('ratio: one bundle validation / one baseline pipeline', `${fmt(v.bundleMs / (1000 / base), 1)}×`);
  const o = await benchOutputValidation();
  line(
    `output gate, ${o.courses} courses + ${o.flags} flags: before → after (ms/output)`,
    `${fmt(o.outputBefore.wall, 2)} → ${fmt(o.outputAfter.wall, 2)} (CPU ${fmt(o.outputBefore.cpu, 2)} → ${fmt(o.outputAfter.cpu, 2)})`,
  );
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench failed: ${err.message}`);
    process.exit(1);
  },
);
