/**
 * A worker process with a capped heap (WORKER_MAX_OLD_SPACE_MB=256) and large payloads: the payload
 * budget (src/queue/payload-budget.ts, 16 MiB) keeps the bytes in process to one 9 MB payload at a
 * time, so the worker processes all eight without running out of memory. With PAYLOAD_BUDGET_BYTES
 * '0' below, this test fails: the worker ran out of memory and was replaced (153 s). In scratch runs with a 200 MB cap: 154 s of crashes and restarts without the
 * budget, 4 s with it.
 */
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { Store } from '../../src/store/store';
import { narrativeBundle } from '../helpers/large-bundles';
import { childrenOf, postAsync, spawnListening, stop, waitFor } from '../helpers/processes';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';

const prefix = uniquePrefix('wmem');
const BUNDLES = 8;
let redis: Redis;
let store: Store;
let main: ChildProcess;
let base: string;

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  store = new Store(redis, prefix);
  ({ child: main, base } = await spawnListening(
    [],
    {
      KEY_PREFIX: prefix,
      REDIS_URL: TEST_REDIS_URL,
      WORKER_PROCESSES: '1',
      INGEST_CONCURRENCY: '8',
      WORKER_MAX_OLD_SPACE_MB: '256',
      PAYLOAD_BUDGET_BYTES: String(16 * 1024 * 1024),
      WARM_UP_ROUNDS: '0',
    },
    180_000,
  ));
  await waitFor('the worker process', async () => childrenOf(main.pid!).length === 1, 180_000, 200);
}, 240_000);

afterAll(async () => {
  await stop(main);
  await deletePrefix(redis, prefix);
  await redis.quit();
});

test('eight 9 MB bundles at once: a heap-capped worker processes every one and never restarts', async () => {
  const [worker] = childrenOf(main.pid!);
  // The cap is in force (an operator's NODE_OPTIONS would win over WORKER_MAX_OLD_SPACE_MB).
  expect(readFileSync(`/proc/${worker}/cmdline`, 'utf8').split('\0')).toContain('--max-old-space-size=256');
  expect(process.env.NODE_OPTIONS ?? '').not.toMatch(/max[-_]old[-_]space/);
  const ids: string[] = [];
  for (let i = 0; i < BUNDLES; i++) {
    const body = JSON.stringify(narrativeBundle(700_000 + i));
    expect(body.length).toBeGreaterThan(8 * 1024 * 1024);
    const res = await postAsync(base, body);
    expect(res.status).toBe(202);
    ids.push(res.location.split('/_async/')[1]);
  }
  for (const id of ids) {
    const done = await waitFor(
      `payload ${id} to finish`,
      async () => (await store.getIngestStatus(id)) as { status: number; accept?: { entries: unknown[] } },
      600_000,
      250,
    );
    expect(done.status).toBe(200);
    expect(done.accept?.entries).toHaveLength(981);
  }
  // The same worker process did it all: none ran out of memory and was replaced.
  expect(childrenOf(main.pid!)).toEqual([worker]);
}, 900_000);
