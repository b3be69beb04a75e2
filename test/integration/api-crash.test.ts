/**
 * The API process SIGKILLed at random moments while it receives a large transaction: afterwards
 * (once the workers and the sweep have run) either every entry is visible or none is, and an
 * acknowledged transaction is always complete. Real API and worker processes, real Redis.
 */
import type { ChildProcess } from 'node:child_process';
import type { Bundle } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { PayloadLog } from '../../src/store/payloads';
import { Store } from '../../src/store/store';
import { CHILD_TOKEN, exited, spawnBitebridge, spawnListening, waitFor } from '../helpers/processes';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';
import { seedBundles } from '../helpers/synthetic';

const prefix = uniquePrefix('apicrash');
const ROUNDS = 5;
const children: ChildProcess[] = [];
let redis: Redis;
let store: Store;
let payloads: PayloadLog;
let ingest: Queue;

const env = { KEY_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, SWEEP_INTERVAL_MS: '1000' };

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  store = new Store(redis, prefix);
  payloads = new PayloadLog(redis, store.keys);
  ingest = new Queue('ingest', { connection: redis, prefix: store.keys.queuePrefix() });
  children.push(spawnBitebridge(['worker', 'ingest', 'assemble'], env));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await ingest.close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

/** One transaction of several seed patients (~130 entries). */
function bigTransaction(round: number): Bundle {
  const entry = seedBundles(4, `r${round}x`).flatMap((b) => b.entry ?? []);
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

test('API SIGKILL inside a transaction: all entries or none, never a part', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { child: api, base } = await spawnListening(['api'], env, 120_000);
    children.push(api);
    const bundle = bigTransaction(round);
    const keys = (bundle.entry ?? []).map((e) => `${e.resource!.resourceType}/hospa.${e.resource!.id}`);
    const sent = fetch(`${base}/fhir`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CHILD_TOKEN}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(bundle),
    }).then(
      (r) => r.status,
      () => 0,
    );
    // From "before the body arrived" to "while the worker applies it".
    await new Promise((r) => setTimeout(r, [0, 5, 30, 150, 600][round]));
    api.kill('SIGKILL');
    await exited(api);
    const status = await sent;

    await waitFor(
      'the ingest log to drain',
      async () => {
        const c = await ingest.getJobCounts('waiting', 'active', 'delayed');
        return (await payloads.pendingCount()) === 0 && c.waiting + c.active + c.delayed === 0;
      },
      300_000,
      200,
    );
    const found = (await store.locateMany(keys)).filter((p) => p !== null).length;
    outcomes.push(`round ${round}: HTTP ${status || 'none'}, ${found}/${keys.length} visible`);
    expect([0, keys.length]).toContain(found);
    if (status >= 200 && status < 300) expect(found).toBe(keys.length);
  }
  process.stdout.write(`api-crash: ${outcomes.join('; ')}\n`);
}, 900_000);
