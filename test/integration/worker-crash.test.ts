/**
 * A worker SIGKILLed in the middle of a job: the job is picked up again by another worker (stall
 * detection), completes, and nothing is lost. The workers are real child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import type { MedicationAdministration } from '@medplum/fhirtypes';
import { Store } from '../../src/store/store';
import { fingerprint } from '../../src/ingest/canonical';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';

const ROOT = join(__dirname, '..', '..');
const N = 6000;
const prefix = uniquePrefix('crash');
let redis: Redis;
let store: Store;
let queue: Queue;
const children: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(ROOT, 'workers', 'ingest.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        KEY_PREFIX: prefix,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_EMBEDDED: 'never',
        PORT: '0',
        LOG_LEVEL: 'warn',
        WORKER_CONCURRENCY: '1',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(child);
  return child;
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v as T;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  store = new Store(redis, prefix);
  queue = new Queue('ingest', { connection: redis, prefix: `{${prefix}:q}` });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await queue.close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

test('a job whose worker was SIGKILLed is retried, completes, and loses nothing', async () => {
  const items = [];
  for (let i = 0; i < N; i++) {
    const patient = `crash.p${i % 50}`;
    const resource: MedicationAdministration = {
      resourceType: 'MedicationAdministration',
      id: `crash.ma${i}`,
      status: 'completed',
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1597258' }],
      },
      subject: { reference: `Patient/${patient}` },
      effectivePeriod: { start: '2015-02-01T08:00:00Z', end: '2015-02-02T08:00:00Z' },
      dosage: {
        rateQuantity: { value: 28, unit: 'ug/d', system: 'http://unitsofmeasure.org', code: 'ug/d' },
      },
    };
    const key = `MedicationAdministration/${resource.id}`;
    const r = await store.upsertSource({ key, patient, resource, fingerprint: fingerprint(resource) });
    items.push({ key, patient, versionId: r.versionId });
  }
  const job = await queue.add('map', { source: 'crash', items }, { jobId: 'crash-map-1', attempts: 5 });

  const first = startWorker();
  await waitFor('the job to be active', async () => (await job.getState()) === 'active', 60_000);
  // let it do part of the work, then kill it without warning
  const eventsKey = (p: string) => store.keys.events({ patient: p });
  await waitFor('some events written', async () => (await redis.hlen(eventsKey('crash.p0'))) > 5, 60_000);
  first.kill('SIGKILL');
  const killedAt = Date.now();
  const partial = await redis.hlen(eventsKey('crash.p0'));
  expect(partial).toBeLessThan(N / 50);

  // Another worker comes up (in production it would already be running); wait for Redis to drop the
  // killed worker's connection first, so "connected" below means the new one.
  await waitFor(
    'the killed worker to disconnect',
    async () => (await queue.getWorkers()).length === 0,
    30_000,
  );
  startWorker();
  const readyAt = await waitFor(
    'a worker connected',
    async () => ((await queue.getWorkers()).length >= 1 ? Date.now() : undefined),
    60_000,
  );
  const retriedAt = await waitFor(
    'the job to be picked up again',
    async () => {
      const j = await queue.getJob('crash-map-1');
      return j?.processedOn && j.processedOn > killedAt ? j.processedOn : undefined;
    },
    60_000,
  );
  await waitFor(
    'the job to complete',
    async () => (await queue.getJob('crash-map-1').then((j) => j?.getState())) === 'completed',
    60_000,
  );
  // Reported, not asserted as a timing: the design target is "within 10 s" (lockDuration 4 s + check every 2 s).
  process.stdout.write(
    `worker-crash: job picked up again ${retriedAt - killedAt} ms after SIGKILL (${Math.max(0, retriedAt - readyAt)} ms after the new worker connected)\n`,
  );

  let total = 0;
  for (let p = 0; p < 50; p++) total += await redis.hlen(eventsKey(`crash.p${p}`));
  expect(total).toBe(N);
  const done = await queue.getJob('crash-map-1');
  expect(done?.returnvalue.mapped).toBe(N);
}, 120_000);
