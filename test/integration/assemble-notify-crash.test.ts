/**
 * An assemble run that dies between saving a patient's outputs and enqueueing their subscription
 * notifications (a worker SIGKILL, a Redis blip) must not lose them: the save marks each new output
 * version "not yet notified" in the same script, and the next run notifies what is marked — once.
 * Real Redis and BullMQ queue; the crash is an `onSaved` that throws after the save.
 */
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { loadClinical, type Clinical } from '../../src/clinical';
import { processAssemble, type AssembleDeps } from '../../src/queue/processors/assemble';
import { Store } from '../../src/store/store';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';
import {
  afterAssembleOn,
  assembleDeps,
  storeSamplePatient,
  subscribeCoursesAndFlags,
} from '../helpers/assemble-setup';

const SOURCE = 'hospa';
let redis: Redis;
let prefix: string;
let store: Store;
let deliverQueue: Queue;
let clinical: Clinical;
let patient: string;

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  prefix = uniquePrefix('notify-crash');
  store = new Store(redis, prefix);
  deliverQueue = new Queue('deliver', { connection: redis, prefix: store.keys.queuePrefix() });
  clinical = loadClinical();
  // One seed patient stored with its mapped events, as the ingest worker leaves it.
  patient = await storeSamplePatient(store, clinical, SOURCE, 'seed-000.json');
  await subscribeCoursesAndFlags(redis, prefix, SOURCE);
}, 60_000);
afterAll(async () => {
  await deliverQueue.close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

const deps = (onSaved: AssembleDeps['onSaved']) => assembleDeps(store, clinical, onSaved);

/** What the assemble worker runs after a save (Provenance, pushes, notifications), on this suite's Redis. */
const notifying = () => afterAssembleOn(redis, prefix, store, deliverQueue);

async function notifyJobs(): Promise<string[]> {
  const jobs = await deliverQueue.getJobs(['waiting', 'delayed', 'prioritized']);
  return jobs
    .filter((j) => j.name === 'notify')
    .map((j) => `${j.data.subscription} ${j.data.key}@${j.data.versionId}`)
    .sort();
}

test('a run that crashed after saving is notified by the next run, exactly once', async () => {
  const job = { id: 'a1', data: { patient } } as Job<{ patient: string }>;
  const onSaved = notifying();

  // 1. The run saves its outputs, then dies before anything is notified.
  const crash = new Error('process killed after the save');
  await expect(
    processAssemble(
      job,
      deps(() => Promise.reject(crash)),
    ),
  ).rejects.toBe(crash);
  const saved = [...(await store.currentOutputs(patient)).values()];
  expect(saved.length).toBeGreaterThan(1);
  expect(await notifyJobs()).toEqual([]);
  expect((await store.unnotifiedOutputs(patient)).size).toBe(saved.length);

  // 2. The retry finds every output unchanged — and still notifies each saved version.
  const retry = await processAssemble(job, deps(onSaved));
  expect(retry.changed).toBe(0);
  const expected = saved
    .map((o) => {
      const sub = o.resource.resourceType === 'MedicationStatement' ? 'courses' : 'flags';
      return `${sub} ${o.key}@${o.versionId}`;
    })
    .sort();
  expect(await notifyJobs()).toEqual(expected);
  expect((await store.unnotifiedOutputs(patient)).size).toBe(0);

  // 3. Later runs notify nothing again.
  await processAssemble(job, deps(onSaved));
  expect(await notifyJobs()).toEqual(expected);
});

test('a marked version superseded by a newer save is left to the run that saved the newer one', async () => {
  const [key, versionId] = [...(await store.currentOutputs(patient)).entries()].map(
    ([k, o]) => [k, o.versionId] as const,
  )[0];
  await redis.hset(store.keys.outUnnotified({ patient }), key, String(Number(versionId) + 1));
  await store.markNotified(patient, [{ key, versionId }]);
  // Unmarking the older version leaves the newer mark in place.
  expect(await store.unnotifiedOutputs(patient)).toEqual(new Map([[key, String(Number(versionId) + 1)]]));
  await redis.hdel(store.keys.outUnnotified({ patient }), key);
});

test('a version this run saved is notified even when a later save has moved the mark on', async () => {
  const [key, stored] = [...(await store.currentOutputs(patient)).entries()].find(
    ([, o]) => o.resource.resourceType === 'DetectedIssue',
  )!;
  const mine = String(Number(stored.versionId) + 1);
  const later = String(Number(stored.versionId) + 2);
  await redis.hset(store.keys.outUnnotified({ patient }), key, later);
  const onSaved = notifying();
  await onSaved({
    patient,
    outputs: [{ key, fingerprint: 'x', resource: stored.resource }],
    changed: [{ key, versionId: mine }],
    current: new Map([[key, stored]]),
    events: [],
  });
  expect(await notifyJobs()).toContain(`flags ${key}@${mine}`);
  // The later version stays marked for the run that saved it.
  expect((await store.unnotifiedOutputs(patient)).get(key)).toBe(later);
  await redis.hdel(store.keys.outUnnotified({ patient }), key);
});
