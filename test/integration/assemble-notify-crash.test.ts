/**
 * An assemble run that dies between saving a patient's outputs and enqueueing their subscription
 * notifications (a worker SIGKILL, a Redis blip) must not lose them: the save marks each new output
 * version "not yet notified" in the same script, and the next run notifies what is marked — once.
 * Real Redis and BullMQ queue; the crash is an `onSaved` that throws after the save.
 */
import type { Job } from 'bullmq';
import { processAssemble, type AssembleDeps } from '../../src/queue/processors/assemble';
import {
  openAssembleSuite,
  type AssembleSuite,
  afterAssembleOn,
  assembleDeps,
  storeSamplePatient,
  subscribeCoursesAndFlags,
} from '../helpers/assemble-setup';

const SOURCE = 'hospa';
let s: AssembleSuite;
let patient: string;

beforeAll(async () => {
  s = await openAssembleSuite('notify-crash');
  // One seed patient stored with its mapped events, as the ingest worker leaves it.
  patient = await storeSamplePatient(s, SOURCE, 'seed-000.json');
  await subscribeCoursesAndFlags(s, SOURCE);
}, 60_000);
afterAll(() => s.close());

const deps = (onSaved: AssembleDeps['onSaved']) => assembleDeps(s, onSaved);

/** What the assemble worker runs after a save (Provenance, pushes, notifications), on this suite's Redis. */
const notifying = () => afterAssembleOn(s);

async function notifyJobs(): Promise<string[]> {
  const jobs = await s.deliverQueue.getJobs(['waiting', 'delayed', 'prioritized']);
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
  const saved = [...(await s.store.currentOutputs(patient)).values()];
  expect(saved.length).toBeGreaterThan(1);
  expect(await notifyJobs()).toEqual([]);
  expect((await s.store.unnotifiedOutputs(patient)).size).toBe(saved.length);

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
  expect((await s.store.unnotifiedOutputs(patient)).size).toBe(0);

  // 3. Later runs notify nothing again.
  await processAssemble(job, deps(onSaved));
  expect(await notifyJobs()).toEqual(expected);
});

test('a marked version superseded by a newer save is left to the run that saved the newer one', async () => {
  const [key, versionId] = [...(await s.store.currentOutputs(patient)).entries()].map(
    ([k, o]) => [k, o.versionId] as const,
  )[0];
  await s.redis.hset(s.store.keys.outUnnotified({ patient }), key, String(Number(versionId) + 1));
  await s.store.markNotified(patient, [{ key, versionId }]);
  // Unmarking the older version leaves the newer mark in place.
  expect(await s.store.unnotifiedOutputs(patient)).toEqual(new Map([[key, String(Number(versionId) + 1)]]));
  await s.redis.hdel(s.store.keys.outUnnotified({ patient }), key);
});

test('a version this run saved is notified even when a later save has moved the mark on', async () => {
  const [key, stored] = [...(await s.store.currentOutputs(patient)).entries()].find(
    ([, o]) => o.resource.resourceType === 'DetectedIssue',
  )!;
  const mine = String(Number(stored.versionId) + 1);
  const later = String(Number(stored.versionId) + 2);
  await s.redis.hset(s.store.keys.outUnnotified({ patient }), key, later);
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
  expect((await s.store.unnotifiedOutputs(patient)).get(key)).toBe(later);
  await s.redis.hdel(s.store.keys.outUnnotified({ patient }), key);
});
