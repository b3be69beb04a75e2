/**
 * An API process with a capped heap and many large bodies at once: the body budget
 * (src/api/body-budget.ts, BODY_BUDGET_BYTES) holds the bodies beyond it unread, so sixteen 9 MB
 * bundles sent together are all accepted by an API whose V8 heap is capped at 128 MB. With
 * BODY_BUDGET_BYTES '0' below, this test fails: the API ran out of memory (and with a 256 MB cap,
 * which it survived, it peaked at 713 MB resident against 493 MB with the budget).
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { PayloadLog } from '../../src/store/payloads';
import { Store } from '../../src/store/store';
import { narrativeBundle } from '../helpers/large-bundles';
import { postAsync, spawnListening, stop } from '../helpers/processes';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';

const prefix = uniquePrefix('apimem');
const BUNDLES = 16;
const API_HEAP_MB = 128;
let redis: Redis;
let api: ChildProcess;
let base: string;

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  // The API alone: the payloads are recorded and wait for workers that this test does not start.
  ({ child: api, base } = await spawnListening(
    ['api'],
    {
      KEY_PREFIX: prefix,
      REDIS_URL: TEST_REDIS_URL,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${API_HEAP_MB}`,
      BODY_BUDGET_BYTES: String(32 * 1024 * 1024),
      // A loaded CI machine may take long to read a body: the next ones wait rather than get a 503.
      BODY_BUDGET_WAIT_MS: '600000',
      REQUEST_TIMEOUT_MS: '600000',
      HEADERS_TIMEOUT_MS: '600000',
    },
    180_000,
  ));
}, 240_000);

afterAll(async () => {
  await stop(api);
  await deletePrefix(redis, prefix);
  await redis.quit();
});

test(`sixteen 9 MB bundles at once: an API capped at ${API_HEAP_MB} MB accepts every one`, async () => {
  const bodies = Array.from({ length: BUNDLES }, (_, i) => JSON.stringify(narrativeBundle(800_000 + i)));
  expect(bodies.every((b) => b.length > 8 * 1024 * 1024)).toBe(true);
  const answers = await Promise.all(
    bodies.map((body) =>
      postAsync(base, body).catch((err: Error) => ({ status: 0, error: err.message, location: '' })),
    ),
  );
  expect(answers.map((a) => a.status)).toEqual(Array(BUNDLES).fill(202));
  // The same process answered them all: it did not run out of memory.
  expect(api.exitCode).toBeNull();
  expect(api.signalCode).toBeNull();
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  // Every one acknowledged is recorded, waiting for a worker: nothing accepted was lost.
  const store = new Store(redis, prefix);
  expect(await new PayloadLog(redis, store.keys).pendingCount()).toBe(BUNDLES);
}, 900_000);
