/**
 * The ingest processor keeps to its process's payload budget (src/queue/payload-budget.ts): while the
 * budget is taken, an accept job holds its payload back (not loaded, still pending, shown by the
 * `bitebridge_ingest_payloads_held_back` gauge) and processes it once bytes are released.
 * worker-memory.test.ts shows what this protects: a worker process with a capped heap.
 */
import { processAccept } from '../../src/queue/processors/ingest';
import { ingestDeps } from '../../workers/ingest';
import { startHarness, type Harness } from '../helpers/harness';
import { seedBundles } from '../helpers/synthetic';

const [seed] = seedBundles(1, 'budget');

let h: Harness;
beforeAll(async () => {
  // No workers and no sweep: the payloads here are recorded without a job, and only the test runs them.
  h = await startHarness('budget', { workers: false });
}, 60_000);
afterAll(() => h.close());

/** A gauge's value as a scrape reads it. */
async function gauge(name: string): Promise<number> {
  const metric = h.rt.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values[0]?.value ?? 0;
}

test('a payload waits for budget before it is loaded, then is processed', async () => {
  const deps = ingestDeps(h.rt);
  // The process's one budget, which the gauges read.
  const budget = deps.budget!;
  expect(budget).toBe(h.rt.payloadBudget);
  const body = JSON.stringify(seed);
  await h.rt.payloads.record({ id: 'i-budget', source: 'hospa', body, receivedAt: Date.now() });

  // Another payload of the whole budget is in process.
  const other = await budget.acquire(budget.limitBytes);
  const job = { id: 'i-budget', data: { payloadId: 'i-budget' }, attemptsMade: 0 } as never;
  const run = processAccept(job, deps);
  for (let i = 0; budget.waiting === 0; i++) {
    if (i > 10_000) throw new Error('the accept job never asked the budget');
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(await gauge('bitebridge_ingest_payloads_held_back')).toBe(1);
  expect(await gauge('bitebridge_ingest_payload_bytes_in_process')).toBe(budget.limitBytes);
  expect(await h.rt.payloads.isPending('i-budget')).toBe(true);
  expect(await h.rt.store.getIngestStatus('i-budget')).toBeUndefined();

  other();
  await expect(run).resolves.toMatchObject({ status: 200, entries: seed.entry!.length });
  expect(await h.rt.payloads.isPending('i-budget')).toBe(false);
  // Its own bytes (the recorded body's length) were taken and given back.
  expect(budget.inFlight).toBe(0);
  expect(await gauge('bitebridge_ingest_payloads_held_back')).toBe(0);
  expect(await gauge('bitebridge_ingest_payload_bytes_in_process')).toBe(0);
}, 120_000);

test('a payload that fails is given back to the budget too', async () => {
  const deps = ingestDeps(h.rt);
  await h.rt.payloads.record({
    id: 'i-budget-bad',
    source: 'hospa',
    body: '{"resourceType":',
    receivedAt: Date.now(),
  });
  const job = { id: 'i-budget-bad', data: { payloadId: 'i-budget-bad' }, attemptsMade: 0 } as never;
  await expect(processAccept(job, deps)).rejects.toThrow(/rejected with 400/);
  expect(deps.budget!.inFlight).toBe(0);
}, 60_000);

test('the recorded size is what the budget counts', async () => {
  await h.rt.payloads.record({
    id: 'i-size',
    source: 'hospa',
    body: Buffer.from('{"a":"é"}'),
    receivedAt: Date.now(),
  });
  expect(await h.rt.payloads.size('i-size')).toBe(Buffer.byteLength('{"a":"é"}'));
  expect(await h.rt.payloads.size('i-never-recorded')).toBe(0);
});
