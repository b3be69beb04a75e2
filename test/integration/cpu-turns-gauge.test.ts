/**
 * `bitebridge_ingest_payloads_waiting_for_cpu` shows the payloads that wait for a turn on the process's
 * CPU (src/ingest/cpu-turns.ts): an ops team sees a worker whose payloads queue behind each other
 * before the pending age grows.
 */
import { processAccept } from '../../src/queue/processors/ingest';
import { ingestDeps } from '../../workers/ingest';
import { gaugeValue, startHarness, type Harness } from '../helpers/harness';
import { seedBundles } from '../helpers/synthetic';

const [seed] = seedBundles(1, 'turns');

let h: Harness;
beforeAll(async () => {
  // No workers and no sweep: the payload is recorded without a job, and only the test runs it.
  h = await startHarness('cputurns', { workers: false });
}, 60_000);
afterAll(() => h.close());

const gauge = () => gaugeValue(h.rt, 'bitebridge_ingest_payloads_waiting_for_cpu');

test('a payload waiting for its CPU turn is counted until it takes it', async () => {
  const deps = ingestDeps(h.rt);
  const turns = deps.cpuTurns!;
  expect(turns).toBe(h.rt.cpuTurns);
  expect(await gauge()).toBe(0);
  await h.rt.payloads.record({
    id: 'i-turns',
    source: 'hospa',
    body: JSON.stringify(seed),
    receivedAt: Date.now(),
  });

  // Another payload holds the turn.
  const other = await turns.take();
  const job = { id: 'i-turns', data: { payloadId: 'i-turns' }, attemptsMade: 0 } as never;
  const run = processAccept(job, deps);
  for (let i = 0; turns.waiting === 0; i++) {
    if (i > 10_000) throw new Error('the accept job never asked for a turn');
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(await gauge()).toBe(1);
  expect(await h.rt.store.getIngestStatus('i-turns')).toBeUndefined();

  other.end();
  await expect(run).resolves.toMatchObject({ status: 200, entries: seed.entry!.length });
  expect(await gauge()).toBe(0);
}, 120_000);
