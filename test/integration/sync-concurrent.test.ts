/**
 * Many synchronous POSTs waiting at once: each waits for its own job's answer (BullMQ's
 * waitUntilFinished listens for the queue's 'closing' until then). Past ten at once Node used to print
 * a "possible EventEmitter memory leak" warning to stderr, outside the JSON log, on a busy but healthy
 * API. Deterministic: no worker runs until every request is waiting.
 */
import { WORKERS } from '../../workers';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { waitFor } from '../helpers/processes';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('sync-many', { workers: false });
}, 60_000);
afterAll(() => h.close());

test('twelve synchronous POSTs waiting at once: no listener limit to warn about, every one answered', async () => {
  const n = 12;
  const answers = Array.from({ length: n }, (_, i) =>
    h.request('PUT', `/fhir/Patient/sync-many-${i}`, {
      token: TOKENS.hospA,
      body: { resourceType: 'Patient', id: `sync-many-${i}` },
    }),
  );
  const ingest = h.rt.queues.get('ingest');
  await waitFor(
    'every request to wait for its job',
    async () => ingest.listenerCount('closing') === n,
    60_000,
  );
  // Node warns once an emitter has more listeners for one event than its limit (0: no limit). The
  // warning goes to the real process's stderr, which a test cannot observe from inside Jest's sandbox.
  const limit = ingest.getMaxListeners();
  expect(limit === 0 || limit >= n).toBe(true);
  WORKERS.ingest?.(h.rt);
  expect((await Promise.all(answers)).map((a) => a.status)).toEqual(Array(n).fill(201));
}, 120_000);
