/**
 * Redis goes away under a running API and workers (a private redis-server on a free port, never the
 * shared one): requests get a clear 503, nothing crashes, readiness reports it, and once Redis is
 * back everything accepted before is still there and new requests succeed.
 */
import { EmbeddedRedis, redisAnswers } from '../../src/ops/embedded-redis';
import { createLogger } from '../../src/logger';
import { createRuntime, startApi, stopRuntime, type Runtime } from '../../src/runtime';
import { WORKERS } from '../../workers';
import { testTokens, TOKENS } from '../helpers/harness';

let redis: EmbeddedRedis;
let rt: Runtime;
let base: string;

beforeAll(async () => {
  // AOF on so a restart keeps what was acknowledged, as production Redis is configured.
  redis = await EmbeddedRedis.start(['--appendonly', 'yes', '--appendfsync', 'always']);
  rt = await createRuntime(
    // Load shedding off: on a loaded machine the in-process workers' lag would answer 503 at random.
    { keyPrefix: 'outage', port: 0, redisUrl: redis.url, redisEmbedded: 'never', maxEventLoopDelayMs: 0 },
    createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
  const app = await startApi(rt, { registry: testTokens(), origin: 'test' });
  for (const f of Object.values(WORKERS)) f?.(rt);
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}, 60_000);

afterAll(async () => {
  if (!(await redisAnswers(redis.url))) await redis.start(); // workers close cleanly only with Redis up
  await stopRuntime(rt).catch(() => undefined);
  await redis.stop();
});

const put = (id: string) =>
  fetch(`${base}/fhir/Patient/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKENS.hospA}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Patient', id }),
  });

test('503 while Redis is down, full service after it returns, nothing acknowledged lost', async () => {
  expect((await put('before')).status).toBe(201);

  await redis.stop(false);
  const during = await put('during');
  expect(during.status).toBe(503);
  expect(during.headers.get('retry-after')).toBe('5');
  const body = (await during.json()) as any;
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0].code).toBe('transient');
  expect((await fetch(`${base}/readyz`)).status).toBe(503);
  expect((await fetch(`${base}/healthz`)).status).toBe(200);

  await redis.start();
  let ready = 503;
  for (let i = 0; i < 100 && ready !== 200; i++) {
    ready = (await fetch(`${base}/readyz`)).status;
    if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  expect(ready).toBe(200);
  const after = await put('after');
  expect(after.status).toBe(201);
  expect((await rt.store.locate('Patient/hospa.before')).found).toBe(true);
  expect((await rt.store.locate('Patient/hospa.during')).found).toBe(false);
}, 60_000);
