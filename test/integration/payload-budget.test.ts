/**
 * The ingest processor keeps to its process's payload budget (src/queue/payload-budget.ts): while the
 * budget is taken, an accept job holds its payload back (not loaded, still pending, shown by the
 * `bitebridge_ingest_payloads_held_back` gauge) and processes it once bytes are released.
 * worker-memory.test.ts shows what this protects: a worker process with a capped heap.
 */
import { MAX_HAND_BACKS, processAccept } from '../../src/queue/processors/ingest';
import { ingestDeps } from '../../workers/ingest';
import { gaugeValue, startHarness, type Harness } from '../helpers/harness';
import { seedBundles } from '../helpers/synthetic';

const [seed] = seedBundles(1, 'budget');

let h: Harness;
beforeAll(async () => {
  // No workers and no sweep: the payloads here are recorded without a job, and only the test runs them.
  h = await startHarness('budget', { workers: false });
}, 60_000);
afterAll(() => h.close());

const gauge = (name: string) => gaugeValue(h.rt, name);

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

describe('a job that waits too long for budget is handed back to the queue', () => {
  let w: Harness;
  beforeAll(async () => {
    w = await startHarness('budget-back', { config: { payloadBudgetWaitMs: 50 } });
  }, 60_000);
  afterAll(() => w.close());

  test('handed back (delayed, no attempt spent) while the budget is taken, then processed', async () => {
    const { budget, ingest, other, head } = await acceptBehindFullBudget(w, 'i-back');
    // Taken, behind the head for 50 ms, handed back, taken again…: it starts more than once, fails never.
    for (let i = 0; ; i++) {
      const job = await ingest.getJob('i-back');
      if ((job?.attemptsStarted ?? 0) >= 2) break;
      if (i > 6000) throw new Error('the job was never handed back');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await w.rt.payloads.isPending('i-back')).toBe(true);
    expect(await w.rt.store.getIngestStatus('i-back')).toBeUndefined();
    other();
    (await head)();
    const status = await waitForStatus(w, 'i-back');
    expect(status.status).toBe(200);
    // The status is written inside the run; BullMQ completes the job just after.
    for (let i = 0; (await (await ingest.getJob('i-back'))!.getState()) !== 'completed'; i++) {
      if (i > 12_000) throw new Error('the job never completed');
      await new Promise((r) => setTimeout(r, 10));
    }
    const job = (await ingest.getJob('i-back'))!;
    // Started at least twice, one attempt made (the one that completed): the hand-backs spent none.
    expect(job.attemptsStarted).toBeGreaterThanOrEqual(2);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBeFalsy();
    // The job metric tells a hand-back from a failure.
    const { values } = await w.rt.metrics.jobDuration.get();
    const outcomes = new Set(values.filter((v) => v.labels.name === 'accept').map((v) => v.labels.outcome));
    expect(outcomes).toEqual(new Set(['delayed', 'completed']));
    expect(budget.inFlight).toBe(0);
  }, 180_000);

  test(`after ${MAX_HAND_BACKS} hand-backs a job waits for budget where it is`, async () => {
    const { budget, ingest, other, head } = await acceptBehindFullBudget(w, 'i-cap');
    const started = async () => (await ingest.getJob('i-cap'))?.attemptsStarted ?? 0;
    for (let i = 0; (await started()) < MAX_HAND_BACKS + 1; i++) {
      if (i > 12_000) throw new Error('the job was not handed back often enough');
      await new Promise((r) => setTimeout(r, 10));
    }
    // Now it waits in this process's line (one hand-back cycle is ~0.55 s: three would show here).
    for (let i = 0; budget.waiting < 2; i++) {
      if (i > 12_000) throw new Error('the job never waited in line');
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(await started()).toBe(MAX_HAND_BACKS + 1);
    expect(await (await ingest.getJob('i-cap'))!.getState()).toBe('active');
    other();
    (await head)();
    expect((await waitForStatus(w, 'i-cap')).status).toBe(200);
  }, 180_000);
});

/**
 * Takes the whole budget (a payload in process) and the head of its line (another waiting), then
 * records payload `id` and enqueues its accept job: the job can only wait behind them.
 */
async function acceptBehindFullBudget(w: Harness, id: string) {
  const budget = w.rt.payloadBudget;
  const other = await budget.acquire(budget.limitBytes);
  const head = budget.acquire(1);
  const [bundle] = seedBundles(1, id);
  await w.rt.payloads.record({ id, source: 'hospa', body: JSON.stringify(bundle), receivedAt: Date.now() });
  const ingest = w.rt.queues.get('ingest');
  await ingest.add('accept', { payloadId: id }, { jobId: id });
  return { budget, ingest, other, head };
}

async function waitForStatus(w: Harness, id: string): Promise<{ status: number }> {
  for (let i = 0; i < 12_000; i++) {
    const s = (await w.rt.store.getIngestStatus(id)) as { status: number } | undefined;
    if (s) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`payload ${id} never finished`);
}
