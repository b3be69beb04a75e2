/**
 * Tests that start at the assemble step: a seed patient stored with its mapped events (as the ingest
 * worker leaves it), course and flag subscriptions, and the assemble worker's dependencies on a
 * suite's own Redis prefix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { loadClinical, type Clinical } from '../../src/clinical';
import { afterAssemble } from '../../src/deliver/after-assemble';
import type { Destination } from '../../src/deliver/destinations';
import { DestinationRegistry } from '../../src/deliver/registry';
import { parsePayload } from '../../src/ingest/entries';
import { namespaceEntries } from '../../src/ingest/namespace';
import { createLogger } from '../../src/logger';
import { Metrics } from '../../src/ops/metrics';
import type { AssembleDeps } from '../../src/queue/processors/assemble';
import { SAMPLES_DIR } from '../../src/samples';
import { DeliveryStore } from '../../src/store/deliveries';
import { Store } from '../../src/store/store';
import { SubscriptionStore } from '../../src/store/subscriptions';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from './redis';

/** A suite's own Redis prefix with its store, deliver queue and the clinical core. */
export interface AssembleSuite {
  redis: Redis;
  prefix: string;
  store: Store;
  deliverQueue: Queue;
  clinical: Clinical;
  close(): Promise<void>;
}

export async function openAssembleSuite(name: string): Promise<AssembleSuite> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = uniquePrefix(name);
  const store = new Store(redis, prefix);
  const deliverQueue = new Queue('deliver', { connection: redis, prefix: store.keys.queuePrefix() });
  return {
    redis,
    prefix,
    store,
    deliverQueue,
    clinical: loadClinical(),
    async close() {
      await deliverQueue.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
    },
  };
}

/** Stores the sample `file` under `source`, one resource at a time, then its events; answers the patient id. */
export async function storeSamplePatient(
  { store, clinical }: AssembleSuite,
  source: string,
  file: string,
): Promise<string> {
  const bundle = JSON.parse(readFileSync(join(SAMPLES_DIR, file), 'utf8')) as Bundle;
  const prepared = namespaceEntries(parsePayload(bundle).entries, source).prepared;
  const byRef = new Map<string, Resource>(prepared.map((p) => [p.key, p.resource]));
  const saves = [];
  for (const p of prepared) {
    const applied = await store.upsertSource(p);
    const events = clinical.map(p.resource, source, (ref) => byRef.get(ref)).events;
    saves.push({ patient: p.patient, key: p.key, versionId: applied.versionId, events });
  }
  await store.saveEventsMany(saves);
  return prepared.find((p) => p.resource.resourceType === 'Patient')!.patient!;
}

/** Two active rest-hook subscriptions of `source`: `courses` (MedicationStatement) and `flags` (DetectedIssue). */
export async function subscribeCoursesAndFlags(
  { redis, prefix }: AssembleSuite,
  source: string,
): Promise<void> {
  const subscriptions = new SubscriptionStore(redis, prefix);
  for (const [id, criteria] of [
    ['courses', 'MedicationStatement'],
    ['flags', 'DetectedIssue'],
  ])
    await subscriptions.put({
      source,
      resource: {
        resourceType: 'Subscription',
        id,
        status: 'active',
        reason: 'test',
        criteria,
        channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/hook' },
      },
    });
}

/** What the assemble worker runs after a save (Provenance, pushes, notifications), on this Redis prefix. */
export function afterAssembleOn(
  { redis, prefix, store, deliverQueue }: AssembleSuite,
  destinations: Destination[] = [],
): NonNullable<AssembleDeps['onSaved']> {
  return afterAssemble({
    store,
    deliverQueue,
    destinations: new DestinationRegistry(new DeliveryStore(redis, prefix), destinations, new Set()),
    subscriptions: new SubscriptionStore(redis, prefix),
    softwareVersion: 'test',
  });
}

/** The assemble processor's dependencies, with `onSaved` as given. */
export function assembleDeps(
  { store, clinical }: AssembleSuite,
  onSaved: AssembleDeps['onSaved'],
): AssembleDeps {
  return {
    store,
    derive: clinical.derive,
    assertValid: clinical.assertValid,
    log: createLogger('silent'),
    metrics: new Metrics(),
    onSaved,
  };
}
