/**
 * Round trips per patient, not per output: an assemble run writes the Provenance of all its new
 * output versions in one store call, whatever their number, and a re-run that finds every
 * Provenance in place writes none. Real Redis and BullMQ queue.
 */
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { loadClinical, type Clinical } from '../../src/clinical';
import { afterAssemble } from '../../src/deliver/after-assemble';
import { provenanceId } from '../../src/provenance/build';
import { DestinationRegistry } from '../../src/deliver/registry';
import { createLogger } from '../../src/logger';
import { Metrics } from '../../src/ops/metrics';
import { processAssemble } from '../../src/queue/processors/assemble';
import { DeliveryStore } from '../../src/store/deliveries';
import { Store } from '../../src/store/store';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';
import { storeSamplePatient } from '../helpers/stored-patient';

const SOURCE = 'hospa';
let redis: Redis;
let prefix: string;
let store: Store;
let deliverQueue: Queue;
let clinical: Clinical;

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  prefix = uniquePrefix('provenance-batch');
  store = new Store(redis, prefix);
  deliverQueue = new Queue('deliver', { connection: redis, prefix: store.keys.queuePrefix() });
  clinical = loadClinical();
}, 60_000);
afterAll(async () => {
  await deliverQueue.close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

/** Runs one assemble of the patient; answers the Provenance writes (entries per store call). */
async function assembleCountingProvenanceWrites(patient: string): Promise<number[]> {
  const writes: number[] = [];
  const spy = jest.spyOn(store, 'applyEntries');
  try {
    await processAssemble({ id: `a-${patient}`, data: { patient } } as Job<{ patient: string }>, {
      store,
      derive: clinical.derive,
      assertValid: clinical.assertValid,
      log: createLogger('silent'),
      metrics: new Metrics(),
      onSaved: afterAssemble({
        store,
        deliverQueue,
        destinations: new DestinationRegistry(new DeliveryStore(redis, prefix), [], new Set()),
        softwareVersion: 'test',
      }),
    });
    for (const [, , entries] of spy.mock.calls)
      if (entries.every((e) => e.key.startsWith('Provenance/'))) writes.push(entries.length);
  } finally {
    spy.mockRestore();
  }
  return writes;
}

test.each(['seed-000.json', 'seed-001.json'])(
  '%s: one Provenance write for all new outputs, none when all are in place',
  async (file) => {
    const patient = await storeSamplePatient(store, clinical, SOURCE, file);
    const writes = await assembleCountingProvenanceWrites(patient);
    const outputs = [...(await store.currentOutputs(patient))];
    expect(outputs.length).toBeGreaterThan(1);
    expect(writes).toEqual([outputs.length]);
    const provenance = outputs.map(([key, o]) => `Provenance/${provenanceId(patient, key, o.versionId)}`);
    expect(await store.locateMany(provenance)).toEqual(provenance.map(() => patient));
    expect(await assembleCountingProvenanceWrites(patient)).toEqual([]);
  },
  60_000,
);
