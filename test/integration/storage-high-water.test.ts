/**
 * Redis with maxmemory + noeviction (as compose runs it), filled by a burst of payloads while no
 * worker runs (a private redis-server on a free port: this suite reconfigures it). Ingest stops at
 * the high-water mark with a clear 503 and nothing of the refused request recorded; /alerts and
 * /metrics show it; every payload acknowledged before is processed once workers run (the headroom
 * above the mark is theirs). A write that meets a full Redis itself maps to a 503 too, never a 500.
 */
import { Redis } from 'ioredis';
import { toFhirError } from '../../src/api/fhir-json';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { EmbeddedRedis } from '../../src/ops/embedded-redis';
import { aboveHighWater, StorageGuard } from '../../src/ops/storage-guard';
import { isRedisFull } from '../../src/redis';
import { createRuntime, startApi, stopRuntime, type Runtime } from '../../src/runtime';
import { WORKERS } from '../../workers';
import { testTokens, TOKENS } from '../helpers/harness';
import { waitFor } from '../helpers/processes';
import { seedBundles } from '../helpers/synthetic';

const MAX_MEMORY = 64 * 1024 * 1024;
const HIGH_WATER = 0.05; // ~3.2 MB: a few dozen seed bundles on top of an empty Redis (~1 MB)
let redis: EmbeddedRedis;
let admin: Redis;
let rt: Runtime;
let base: string;

beforeAll(async () => {
  redis = await EmbeddedRedis.start(['--maxmemory', String(MAX_MEMORY)]);
  admin = new Redis(redis.url);
  rt = await createRuntime(
    {
      keyPrefix: 'high-water',
      port: 0,
      redisUrl: redis.url,
      redisEmbedded: 'never',
      maxEventLoopDelayMs: 0,
      ingestMemoryHighWater: HIGH_WATER,
    },
    createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
  const app = await startApi(rt, { registry: testTokens(), origin: 'test' });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}, 60_000);

afterAll(async () => {
  await stopRuntime(rt).catch(() => undefined);
  await admin.quit();
  await redis.stop();
});

const post = async (body: unknown) => {
  const res = await fetch(`${base}/fhir`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TOKENS.hospA}`,
      'content-type': 'application/fhir+json',
      prefer: 'respond-async',
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
};

const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);

test('ingest stops at the high-water mark; what was acknowledged is all processed after', async () => {
  const acknowledged: string[] = [];
  let refused: Awaited<ReturnType<typeof post>> | undefined;
  for (const bundle of seedBundles(2000, 'hw')) {
    const res = await post(bundle);
    if (res.status === 202) acknowledged.push(res.headers.get('content-location')!.split('/').pop()!);
    else {
      refused = res;
      break;
    }
  }
  expect(refused).toBeDefined();
  expect(refused!.status).toBe(503);
  expect(refused!.headers.get('retry-after')).toBeTruthy();
  expect(refused!.body.resourceType).toBe('OperationOutcome');
  expect(refused!.body.issue[0].code).toBe('transient');
  expect(refused!.body.issue[0].diagnostics).toMatch(
    /ingest stops at 5% of Redis maxmemory.*nothing was accepted/,
  );
  expect(await usedMemory()).toBeGreaterThanOrEqual(HIGH_WATER * MAX_MEMORY);
  // Nothing of the refused request was recorded: the log holds exactly what was acknowledged.
  expect(await rt.payloads.pendingCount()).toBe(acknowledged.length);

  const alerts = (await (await fetch(`${base}/alerts`)).json()) as any;
  expect(alerts.alerts.map((a: { alert: string }) => a.alert)).toContain('storage-high-water');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const ratio = Number(/^bitebridge_redis_memory_used_ratio (\S+)$/m.exec(metrics)?.[1]);
  expect(ratio).toBeGreaterThanOrEqual(HIGH_WATER);
  expect((await fetch(`${base}/healthz`)).status).toBe(200);

  // The workers have the memory above the mark: every acknowledged payload is processed.
  for (const f of Object.values(WORKERS)) f?.(rt);
  await waitFor('the backlog to drain', async () => (await rt.payloads.pendingCount()) === 0, 300_000, 200);
  for (const id of acknowledged)
    expect((await rt.store.getIngestStatus(id)) as any).toMatchObject({ status: 200 });
}, 400_000);

test('a write that meets a full Redis itself (between two guard readings) is a 503, and writes nothing', async () => {
  // No worker writes or frees anything meanwhile, and the limit is far below what Redis holds.
  await Promise.all(rt.workers.map((w) => w.close()));
  const pending = await rt.payloads.pendingCount();
  await admin.config('SET', 'maxmemory', '1mb');
  try {
    const err = (await rt.payloads
      .record({ id: 'i-oom', source: 'hospa', body: '{"resourceType":"Bundle"}', receivedAt: Date.now() })
      .then(
        () => undefined,
        (e: Error) => e,
      ))!;
    expect(err).toBeInstanceOf(Error);
    expect(isRedisFull(err)).toBe(true);
    const answer = toFhirError(err);
    expect(answer.status).toBe(503);
    expect(answer.outcome.issue[0]).toMatchObject({ code: 'transient' });
    expect(answer.outcome.issue[0].diagnostics).toMatch(/Storage is full.*nothing was accepted/);
  } finally {
    await admin.config('SET', 'maxmemory', String(MAX_MEMORY));
  }
  expect(await rt.payloads.pendingCount()).toBe(pending);
  expect(await admin.exists(rt.store.keys.payload('i-oom'))).toBe(0);
});

test('a Redis user not allowed INFO has no level to keep below: nothing is refused, and it is said once', async () => {
  expect(aboveHighWater(await new StorageGuard(admin, HIGH_WATER).level())).toBe(true);
  await admin.acl('SETUSER', 'no-info', 'on', '>no-info-secret', '~*', '&*', '+@all', '-info');
  const limited = new Redis(redis.url, {
    username: 'no-info',
    password: 'no-info-secret',
    enableReadyCheck: false,
  });
  const refused = jest.fn();
  try {
    const guard = new StorageGuard(limited, HIGH_WATER, refused, 0);
    for (let i = 0; i < 2; i++) {
      const level = await guard.level();
      expect(level).toMatchObject({ maxBytes: 0, infoRefused: true });
      expect(aboveHighWater(level)).toBe(false);
    }
    expect(refused).toHaveBeenCalledTimes(1);
    expect(refused.mock.calls[0][0].message).toMatch(/^NOPERM/);
  } finally {
    limited.disconnect();
  }
});

test('under an eviction policy memory sits near maxmemory by design: nothing is refused', async () => {
  expect(aboveHighWater(await new StorageGuard(admin, HIGH_WATER).level())).toBe(true);
  await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
  try {
    const level = await new StorageGuard(admin, HIGH_WATER).level();
    expect(level.policy).toBe('allkeys-lru');
    expect(aboveHighWater(level)).toBe(false);
  } finally {
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
  }
});

test('a malformed INGEST_MEMORY_HIGH_WATER stops start-up with a clear message', () => {
  const saved = process.env.INGEST_MEMORY_HIGH_WATER;
  try {
    for (const v of ['0', '1.5', 'most']) {
      process.env.INGEST_MEMORY_HIGH_WATER = v;
      expect(() => loadConfig()).toThrow(/INGEST_MEMORY_HIGH_WATER must be a fraction/);
    }
  } finally {
    if (saved === undefined) delete process.env.INGEST_MEMORY_HIGH_WATER;
    else process.env.INGEST_MEMORY_HIGH_WATER = saved;
  }
});
