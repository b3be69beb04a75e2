/**
 * Every processor must stay correct when BullMQ runs it twice at once (a stalled job is handed to
 * another worker while the first run goes on). Here the `accept` processor runs twice at once on the
 * same recorded payload, against real Redis with real assemble workers: the answers are the same, each
 * resource is stored once (one version), the rejects are recorded once, the entries are counted once
 * (bitebridge_ingest_entries_total), and the derived outputs equal
 * those of a single run. worker-crash.test.ts makes the same happen through a real stall.
 */
import { processAccept } from '../../src/queue/processors/ingest';
import { ingestDeps } from '../../workers/ingest';
import { expectSameOutputs, outputFingerprints } from '../helpers/output-fingerprints';
import { startHarness, type Harness } from '../helpers/harness';
import { seedBundles } from '../helpers/synthetic';

const [seed] = seedBundles(1, 'twice');

/** Records `body` as hospa's payload `id`, as the API does, and runs its accept job `runs` times at once. */
async function acceptAtOnce(h: Harness, id: string, body: unknown, runs: number) {
  await h.rt.payloads.record({ id, source: 'hospa', body: JSON.stringify(body), receivedAt: Date.now() });
  const job = { id, data: { payloadId: id }, attemptsMade: 0 } as never;
  return Promise.allSettled(Array.from({ length: runs }, () => processAccept(job, ingestDeps(h.rt))));
}

/** hospa's `bitebridge_ingest_entries_total` by outcome, as the harness's metrics hold them now. */
async function entryCounts(h: Harness): Promise<Record<string, number>> {
  const { values } = await h.rt.metrics.ingestEntries.get();
  const out: Record<string, number> = {};
  for (const v of values) if (v.labels.source === 'hospa') out[String(v.labels.outcome)] = v.value;
  return out;
}

let once: Map<string, string>;
beforeAll(async () => {
  const clean = await startHarness('twice-clean');
  try {
    const [r] = await acceptAtOnce(clean, 'i-once', seed, 1);
    expect(r.status).toBe('fulfilled');
    await clean.idle(120_000);
    once = await outputFingerprints(clean);
  } finally {
    await clean.close();
  }
  expect([...once.keys()].some((k) => k.startsWith('MedicationStatement/'))).toBe(true);
}, 300_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness('twice');
}, 60_000);
afterAll(() => h.close());

test('a payload accepted twice at once: the same answer, one version per resource, the outputs of one run, counted once', async () => {
  const before = await entryCounts(h);
  const [a, b] = await acceptAtOnce(h, 'i-twice', seed, 2);
  expect(a).toEqual(b);
  expect(a.status).toBe('fulfilled');
  // The metric counts the payload's entries once, whichever run finished it.
  const after = await entryCounts(h);
  expect((after.created ?? 0) - (before.created ?? 0)).toBe(seed.entry?.length);
  await h.idle(120_000);
  for (const e of seed.entry ?? []) {
    const key = `${e.resource!.resourceType}/hospa.${e.resource!.id}`;
    const { patient } = await h.rt.store.locate(key);
    expect([key, (await h.rt.store.getSource(key, patient))?.versionId]).toEqual([key, '1']);
  }
  expectSameOutputs(await outputFingerprints(h), once);
  expect(await h.rt.payloads.isPending('i-twice')).toBe(false);
}, 300_000);

test('a batch with an invalid entry accepted twice at once: its reject is recorded once', async () => {
  const batch = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      {
        resource: { resourceType: 'Patient', id: 'twice-ok' },
        request: { method: 'PUT', url: 'Patient/twice-ok' },
      },
      {
        resource: { resourceType: 'Patient', id: 'twice-bad', gender: 'sometimes' },
        request: { method: 'PUT', url: 'Patient/twice-bad' },
      },
    ],
  };
  const before = await entryCounts(h);
  const [a, b] = await acceptAtOnce(h, 'i-twice-batch', batch, 2);
  expect(a).toEqual(b);
  const after = await entryCounts(h);
  expect([after.created - (before.created ?? 0), after.invalid - (before.invalid ?? 0)]).toEqual([1, 1]);
  const rejects = (await h.rt.rejects.list(50, 'hospa')).filter((r) => r.jobId === 'i-twice-batch');
  expect(rejects.map((r) => r.index)).toEqual([1]);
  const { patient } = await h.rt.store.locate('Patient/hospa.twice-ok');
  expect((await h.rt.store.getSource('Patient/hospa.twice-ok', patient))?.versionId).toBe('1');
});
