/**
 * The race `mapDependents` alone does not close: an administration's payload reads its Medication,
 * the Medication is corrected by another payload (whose `map` jobs map the administration again,
 * correctly), and only then does the first payload save what it mapped with the old Medication. The first batch
 * checks, once saved, whether what it read changed, and maps again. Deterministic: the correction is
 * processed inside the first payload's save, against real Redis.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Medication, MedicationAdministration } from '@medplum/fhirtypes';
import { processAccept, processMap, type IngestDeps } from '../../src/queue/processors/ingest';
import { SAMPLES_DIR } from '../../src/samples';
import { ingestDeps } from '../../workers/ingest';
import { startHarness, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('dependents-race', { workers: false });
}, 60_000);
afterAll(() => h.close());

const deps = (store = h.rt.store): IngestDeps => ({ ...ingestDeps(h.rt), store });

let payloads = 0;
/** Records `body` as hospa's payload, as the API does, and processes it with `with`. */
async function ingest(body: unknown, with_ = deps()) {
  const id = `i-race-${++payloads}`;
  await h.rt.payloads.record({ id, source: 'hospa', body: JSON.stringify(body), receivedAt: Date.now() });
  return processAccept({ id, data: { payloadId: id } } as never, with_);
}

const medication = (rxnorm: string): Medication => ({
  resourceType: 'Medication',
  id: 'race-bag',
  code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: rxnorm }] },
});
const asBatch = (m: Medication) => ({
  resourceType: 'Bundle',
  type: 'batch',
  entry: [{ resource: m, request: { method: 'PUT', url: `Medication/${m.id}` } }],
});

test('a Medication corrected while its administrations are being mapped: the correction wins', async () => {
  await ingest(asBatch(medication('5640'))); // not a target drug
  const bundle = JSON.parse(readFileSync(join(SAMPLES_DIR, 'seed-000.json'), 'utf8')) as Bundle;
  const patient = bundle.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!.id!;
  const administrations: string[] = [];
  for (const e of bundle.entry ?? []) {
    const ma = e.resource as MedicationAdministration;
    if (ma.resourceType !== 'MedicationAdministration' || !ma.medicationCodeableConcept) continue;
    delete ma.medicationCodeableConcept;
    ma.medicationReference = { reference: 'Medication/race-bag' };
    administrations.push(`MedicationAdministration/hospa.${ma.id}`);
  }
  expect(administrations.length).toBeGreaterThan(5);

  // The administrations' save is held back until the correction is fully processed.
  let corrected = false;
  const store = Object.create(h.rt.store) as typeof h.rt.store;
  store.saveEventsMany = async (items) => {
    if (!corrected && items.some((i) => administrations.includes(i.key))) {
      corrected = true;
      await ingest(asBatch(medication('1597258'))); // blinatumomab
      // Its readers' `map` jobs, run now, as a worker would: they save first, with the correction.
      const jobs = await h.rt.queues.get('ingest').getJobs(['waiting', 'prioritized']);
      const maps = jobs.filter((j) => j.name === 'map');
      expect(maps.length).toBeGreaterThan(0);
      for (const job of maps) await processMap(job, deps());
    }
    return h.rt.store.saveEventsMany(items);
  };
  await ingest(bundle, deps(store));
  expect(corrected).toBe(true);

  const events = await h.rt.store.redis.hmget(
    h.rt.store.keys.events({ patient: `hospa.${patient}` }),
    ...administrations,
  );
  // Every administration's events are those of the corrected Medication: blinatumomab infusions.
  expect(events.every((e) => e !== null && e.includes('BlinatumomabInfusion'))).toBe(true);
}, 120_000);

test('a reader whose newer version no longer references the Medication stops being its reader', async () => {
  const bundle = JSON.parse(readFileSync(join(SAMPLES_DIR, 'seed-001.json'), 'utf8')) as Bundle;
  const ma = bundle.entry!.find((e) => e.resource?.resourceType === 'MedicationAdministration')!
    .resource as MedicationAdministration;
  const coded = ma.medicationCodeableConcept;
  delete ma.medicationCodeableConcept;
  ma.medicationReference = { reference: 'Medication/prune-bag' };
  const readersKey = h.rt.store.keys.dependents('Medication/hospa.prune-bag');
  const runMapJobs = async () => {
    for (const job of await h.rt.queues.get('ingest').getJobs(['waiting', 'prioritized']))
      if (job.name === 'map') {
        await processMap(job, deps());
        await job.remove();
      }
  };
  await ingest(bundle);
  expect(await h.rt.store.redis.smembers(readersKey)).toEqual([
    expect.stringMatching(new RegExp(`^MedicationAdministration/hospa\\.${ma.id} `)),
  ]);
  // A newer version of the administration codes its drug itself.
  delete ma.medicationReference;
  ma.medicationCodeableConcept = coded;
  await ingest({ ...ma, meta: undefined });
  // The Medication changes: its former reader is mapped once more, and dropped from its readers.
  await ingest(asBatch({ ...medication('1597258'), id: 'prune-bag' }));
  await runMapJobs();
  expect(await h.rt.store.redis.smembers(readersKey)).toEqual([]);
}, 120_000);

test('a reader whose mapping fails when it is mapped again for a changed Medication stays dead-lettered and is said so', async () => {
  await ingest(asBatch({ ...medication('5640'), id: 'race-bag-2' }));
  const bundle = JSON.parse(readFileSync(join(SAMPLES_DIR, 'seed-002.json'), 'utf8')) as Bundle;
  const readers: string[] = [];
  for (const e of bundle.entry ?? []) {
    const ma = e.resource as MedicationAdministration;
    if (ma.resourceType !== 'MedicationAdministration' || !ma.medicationCodeableConcept) continue;
    delete ma.medicationCodeableConcept;
    ma.medicationReference = { reference: 'Medication/race-bag-2' };
    readers.push(`MedicationAdministration/hospa.${ma.id}`);
  }
  const [failing] = readers;
  // The Medication is corrected while the batch saves, so the batch maps its readers a second time;
  // on that second mapping one reader's mapper throws.
  let corrected = false;
  const store = Object.create(h.rt.store) as typeof h.rt.store;
  store.saveEventsMany = async (items) => {
    if (!corrected && items.some((i) => readers.includes(i.key))) {
      corrected = true;
      await ingest(asBatch({ ...medication('1597258'), id: 'race-bag-2' }));
    }
    return h.rt.store.saveEventsMany(items);
  };
  const mapped = new Map<string, number>();
  const map: IngestDeps['map'] = (resource, source, resolve) => {
    const key = `${resource.resourceType}/${resource.id}`;
    mapped.set(key, (mapped.get(key) ?? 0) + 1);
    if (key === failing && mapped.get(key) === 2) throw new TypeError('mapper bug');
    return h.rt.clinical.map(resource, source, resolve);
  };
  const ret = await ingest(bundle, { ...deps(store), map });
  expect(corrected).toBe(true);
  expect(mapped.get(failing)).toBe(2);
  expect(ret.deadLettered).toBe(1);
  expect(await h.rt.deadLetters.get(failing)).toMatchObject({ key: failing, error: 'TypeError' });
}, 120_000);
