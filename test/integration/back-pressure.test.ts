/**
 * Back-pressure: while the event loop lags past MAX_EVENT_LOOP_DELAY_MS, requests are shed with a 503
 * OperationOutcome and Retry-After (never fastify's plain JSON); once it recovers, /healthz answers 200.
 */
import { Redis } from 'ioredis';
import { createLogger } from '../../src/logger';
import { createRuntime, startApi, stopRuntime, type Runtime } from '../../src/runtime';
import { testTokens } from '../helpers/harness';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';

let rt: Runtime;
let base: string;
const prefix = uniquePrefix('pressure');

beforeAll(async () => {
  rt = await createRuntime(
    {
      keyPrefix: prefix,
      port: 0,
      redisUrl: TEST_REDIS_URL,
      redisEmbedded: 'never',
      maxEventLoopDelayMs: 100,
    },
    createLogger('silent'),
  );
  const app = await startApi(rt, { registry: testTokens(), origin: 'test' });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}, 60_000);

afterAll(async () => {
  await stopRuntime(rt);
  const r = new Redis(TEST_REDIS_URL);
  await deletePrefix(r, prefix);
  await r.quit();
});

const block = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* a synchronous stall, as a CPU-heavy request would cause */
  }
};

test('a stalled event loop sheds load with 503 OperationOutcomes, then recovers', async () => {
  let shed: Response | undefined;
  for (let i = 0; i < 20 && !shed; i++) {
    block(1500);
    await new Promise((r) => setTimeout(r, 20));
    const res = await fetch(`${base}/healthz`);
    if (res.status === 503) shed = res;
    else await res.text();
  }
  expect(shed?.status).toBe(503);
  expect(shed?.headers.get('content-type')).toContain('application/fhir+json');
  expect(shed?.headers.get('retry-after')).toBe('5');
  const body = (await shed!.json()) as { resourceType: string; issue: Array<{ code: string }> };
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0].code).toBe('transient');
  let status = 503;
  for (let i = 0; i < 200 && status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    status = (await fetch(`${base}/healthz`)).status;
  }
  expect(status).toBe(200);
}, 120_000);
