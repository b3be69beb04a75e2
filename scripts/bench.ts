/**
 * `npm run bench`: throughput figures, each next to a baseline measured in the same run on the same
 * machine, so the ratios survive a change of hardware. Informative only: nothing here asserts a time.
 *
 *   floor      BullMQ two-stage no-op pipeline (job in queue 1 → its processor adds a job to queue 2)
 *   validate   raw @medplum/core validateResource on one core, on the Synthea-shaped resources
 *   e2e        HTTP ingest → validate → store → map → assemble, end to end (drained), on a
 *              Synthea-shaped workload (no blinatumomab) and on seed-shaped patients (courses, flags)
 *   latency    POST → course saved, p50/p99, with patients posted at half the measured maximum rate
 *   rss        peak resident memory of the bench process (API + every worker in one process)
 *   domain     the pure domain against a JSON round trip; input/output validation per call
 *
 * Needs Redis (REDIS_URL, default 127.0.0.1:6379); uses its own random key prefix and removes it.
 * Options (env): BENCH_PATIENTS (seed-shaped, default 60), BENCH_SYNTHEA_PATIENTS (default 20),
 * BENCH_SYNTHEA_ENCOUNTERS (per patient, default 100), BENCH_PIPELINE_JOBS (default 3000).
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { validateResource } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { TokenRegistry } from '../src/auth/tokens';
import { loadClinical } from '../src/clinical';
import { createLogger } from '../src/logger';
import { createRuntime, startApi, stopRuntime, type Runtime } from '../src/runtime';
import { namespaceEntries } from '../src/ingest/namespace';
import { parsePayload } from '../src/ingest/entries';
import { validateBundle, assertValidOutput } from '../src/validation/index';
import { loadFhirDefinitions } from '../src/validation/fhir-definitions';
import { WORKERS } from '../workers';
import { benchOutputValidation } from './bench-output-validation';
import { deletePrefix, uniquePrefix } from '../test/helpers/redis';
import { seedBundles } from '../test/helpers/synthetic';
import { syntheaPatient } from './bench-workloads';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 60);
const SYNTHEA_PATIENTS = Number(process.env.BENCH_SYNTHEA_PATIENTS ?? 20);
const SYNTHEA_ENCOUNTERS = Number(process.env.BENCH_SYNTHEA_ENCOUNTERS ?? 100);
const PIPELINE_JOBS = Number(process.env.BENCH_PIPELINE_JOBS ?? 3000);
const TOKEN = 'bench-token-0000000000000001';

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const line = (label: string, value: string) => console.log(`  ${label.padEnd(58)} ${value}`);

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

interface Bench {
  rt: Runtime;
  url: string;
  prefix: string;
  peakRss: () => number;
  close(): Promise<void>;
}

async function startBench(): Promise<Bench> {
  const prefix = uniquePrefix('bench');
  const rt = await createRuntime(
    { keyPrefix: prefix, port: 0, redisUrl: REDIS_URL, redisEmbedded: 'never' },
    createLogger('silent'),
  );
  const app = await startApi(rt, {
    registry: new TokenRegistry([{ token: TOKEN, source: 'bench', scopes: ['ingest'] }]),
    origin: 'bench',
  });
  for (const f of Object.values(WORKERS)) f?.(rt);
  const addr = app.server.address();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return {
    rt,
    prefix,
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/fhir`,
    peakRss: () => peak,
    async close() {
      clearInterval(sampler);
      await stopRuntime(rt);
      const r = new Redis(REDIS_URL);
      await deletePrefix(r, prefix);
      await r.quit();
    },
  };
}

function postBundle(b: Bench, bundle: Bundle, async: boolean): Promise<Response> {
  return fetch(b.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/fhir+json',
      authorization: `Bearer ${TOKEN}`,
      ...(async ? { prefer: 'respond-async' } : {}),
    },
    body: JSON.stringify(bundle),
  });
}

async function drained(rt: Runtime): Promise<void> {
  for (;;) {
    let busy = await rt.payloads.pendingCount();
    for (const name of ['ingest', 'assemble'] as const) {
      const c = await rt.queues.get(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      busy += Object.values(c).reduce((a, x) => a + x, 0);
    }
    if (!busy) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Posts every bundle (4 concurrent senders, respond-async), then waits until all is processed. */
async function endToEnd(bundles: Bundle[]) {
  const b = await startBench();
  const entries = bundles.reduce((n, x) => n + (x.entry?.length ?? 0), 0);
  const t0 = performance.now();
  let next = 0;
  const sender = async () => {
    while (next < bundles.length) {
      const res = await postBundle(b, bundles[next++], true);
      if (res.status !== 202) throw new Error(`bench bundle refused: HTTP ${res.status}`);
    }
  };
  await Promise.all([sender(), sender(), sender(), sender()]);
  const acked = performance.now();
  await drained(b.rt);
  const seconds = (performance.now() - t0) / 1000;
  let flags = 0;
  let courses = 0;
  for await (const p of b.rt.store.patients()) {
    for (const o of (await b.rt.store.currentOutputs(p)).values()) {
      if (o.resource.resourceType === 'DetectedIssue') flags++;
      if (o.resource.resourceType === 'MedicationStatement') courses++;
    }
  }
  const rss = b.peakRss();
  await b.close();
  return {
    entries,
    ackPerSec: entries / ((acked - t0) / 1000),
    entriesPerSec: entries / seconds,
    patientsPerSec: bundles.length / seconds,
    flags,
    courses,
    rss,
  };
}

/** POST → course saved, one patient at a time at `perSec`, sync answers (the sender's view + assemble). */
async function latency(bundles: Bundle[], perSec: number) {
  const b = await startBench();
  const samples: number[] = [];
  const gap = 1000 / perSec;
  const runs: Array<Promise<void>> = [];
  const t0 = performance.now();
  for (const [i, bundle] of bundles.entries()) {
    const due = t0 + i * gap;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    runs.push(
      (async () => {
        const start = performance.now();
        const res = await postBundle(b, bundle, false);
        if (res.status !== 200) throw new Error(`latency bundle: HTTP ${res.status}`);
        const patient = `bench.${bundle.entry![0].resource!.id}`;
        for (;;) {
          const outs = await b.rt.store.currentOutputs(patient);
          if ([...outs.values()].some((o) => o.resource.resourceType === 'MedicationStatement')) break;
          await new Promise((r) => setTimeout(r, 2));
        }
        samples.push(performance.now() - start);
      })(),
    );
  }
  await Promise.all(runs);
  const rss = b.peakRss();
  await b.close();
  samples.sort((x, y) => x - y);
  const pct = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { p50: pct(0.5), p99: pct(0.99), rss };
}

/** Raw single-core validateResource rate on the given resources. */
function rawValidateRate(resources: Resource[]): number {
  loadFhirDefinitions();
  for (const r of resources.slice(0, 200)) validateResource(r); // warm-up
  const t0 = performance.now();
  for (const r of resources) validateResource(r);
  return resources.length / ((performance.now() - t0) / 1000);
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
  const mb = (n: number) => `${fmt(n / 1024 / 1024)} MB`;
  const seeds = seedBundles(PATIENTS, 'b');
  const synthea = Array.from({ length: SYNTHEA_PATIENTS }, (_, i) => syntheaPatient(i, SYNTHEA_ENCOUNTERS));
  const syntheaResources = synthea.flatMap((x) => (x.entry ?? []).map((e) => e.resource as Resource));

  console.log('Baselines');
  const floor = await baselinePipeline();
  line(`floor: BullMQ two-stage no-op pipeline (${PIPELINE_JOBS} jobs)`, `${fmt(floor)} pipelines/s`);
  const validate = rawValidateRate(syntheaResources);
  line(
    `raw validateResource, one core (${syntheaResources.length} resources)`,
    `${fmt(validate)} resources/s`,
  );

  console.log('\nEnd to end (HTTP → processed, one process: API + workers)');
  const sy = await endToEnd(synthea);
  line(
    `Synthea-shaped: ${SYNTHEA_PATIENTS} patients, ${sy.entries} entries (no blinatumomab)`,
    `${fmt(sy.entriesPerSec)} entries/s`,
  );
  line('  acknowledged (recorded) rate', `${fmt(sy.ackPerSec)} entries/s`);
  line('  ratio: e2e / raw validate (target ≥ 1.0)', fmt(sy.entriesPerSec / validate, 2));
  line('  ratio: e2e / floor (target ≥ 2)', fmt(sy.entriesPerSec / floor, 2));
  const se = await endToEnd(seeds);
  line(
    `seed-shaped: ${PATIENTS} patients, ${se.entries} entries → ${se.courses} courses, ${se.flags} flags`,
    `${fmt(se.entriesPerSec)} entries/s`,
  );
  line('  patients', `${fmt(se.patientsPerSec, 1)} patients/s`);
  line('  ratio: e2e / raw validate', fmt(se.entriesPerSec / validate, 2));
  line('  ratio: e2e / floor', fmt(se.entriesPerSec / floor, 2));

  const half = se.patientsPerSec / 2;
  const lat = await latency(seedBundles(Math.min(PATIENTS, 40), 'l'), half);
  console.log(`\nLatency at half the maximum rate (${fmt(half, 1)} patients/s, sync POST)`);
  line('POST → course saved, p50', `${fmt(lat.p50)} ms`);
  line('POST → course saved, p99 (target < 250 ms)', `${fmt(lat.p99)} ms`);
  line('peak RSS of the process (target < 400 MB)', mb(Math.max(sy.rss, se.rss, lat.rss)));

  console.log('\nPure domain (one core)');
  const d = pureDomain(seeds);
  line("baseline: JSON round trip of each patient's events", `${fmt(d.baselinePerSec)} patients/s`);
  line('map + assemble + flag + render', `${fmt(d.patientsPerSec)} patients/s`);
  line('ratio: domain / baseline', `${fmt(d.patientsPerSec / d.baselinePerSec, 3)}`);

  console.log('\nValidation (one core)');
  const v = validation(seeds[0]);
  line(`validateBundle (${seeds[0].entry?.length ?? 0} entries)`, `${fmt(v.bundleMs, 2)} ms`);
  line('assertValidOutput (one course)', `${fmt(v.courseMs, 2)} ms`);
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
