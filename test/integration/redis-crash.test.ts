/**
 * Redis `kill -9` in the middle of an ingest, then restarted from its AOF (a private redis-server
 * with `appendfsync always`, never the shared one): nothing acknowledged is lost, every payload ends
 * processed, and requests while it is down get 503 (nothing recorded). With `appendfsync everysec`
 * up to one second of acknowledged writes could be lost: see README "Guarantees".
 */
import { EmbeddedRedis } from '../../src/ops/embedded-redis';
import { createLogger } from '../../src/logger';
import { createRuntime, startApi, stopRuntime, type Runtime } from '../../src/runtime';
import { WORKERS } from '../../workers';
import { testTokens, TOKENS } from '../helpers/harness';
import { waitFor } from '../helpers/processes';
import { seedBundles } from '../helpers/synthetic';

let redis: EmbeddedRedis;
let rt: Runtime;
let base: string;

beforeAll(async () => {
  redis = await EmbeddedRedis.start(['--appendonly', 'yes', '--appendfsync', 'always']);
  rt = await createRuntime(
    // Load shedding off: on a loaded machine the in-process workers' lag would answer 503 at random.
    {
      keyPrefix: 'rcrash',
      port: 0,
      redisUrl: redis.url,
      redisEmbedded: 'never',
      sweepIntervalMs: 1000,
      maxEventLoopDelayMs: 0,
    },
    createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
  const app = await startApi(rt, { registry: testTokens(), origin: 'test' });
  for (const f of Object.values(WORKERS)) f?.(rt);
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}, 120_000);

afterAll(async () => {
  await stopRuntime(rt).catch(() => undefined);
  await redis.stop();
});

const post = (body: unknown) =>
  fetch(`${base}/fhir`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TOKENS.hospA}`,
      'content-type': 'application/fhir+json',
      prefer: 'respond-async',
    },
    body: JSON.stringify(body),
  });

test('Redis kill -9 and AOF restart mid-ingest: every acknowledged payload is processed', async () => {
  const bundles = seedBundles(12, 'rk');
  const acked: Array<{ path: string; keys: string[] }> = [];
  for (const [i, b] of bundles.entries()) {
    if (i === 8) redis.kill(); // kill -9 while earlier payloads are being processed
    const res = await post(b).catch(() => undefined);
    const status = res?.status ?? 0;
    if (status === 202) {
      acked.push({
        path: new URL(res!.headers.get('content-location')!).pathname,
        keys: (b.entry ?? []).map((e) => `${e.resource!.resourceType}/hospa.${e.resource!.id}`),
      });
    } else {
      expect(status).toBe(503); // refused while down: nothing recorded, the sender retries
    }
  }
  expect(acked.length).toBeGreaterThanOrEqual(8);
  await redis.start(); // same directory: the AOF is replayed

  for (const a of acked) {
    const done = await waitFor(
      `status ${a.path}`,
      async () => {
        const r = await fetch(base + a.path, { headers: { authorization: `Bearer ${TOKENS.hospA}` } });
        return r.status === 200 ? ((await r.json()) as any) : undefined;
      },
      300_000,
      250,
    );
    expect(done.type).toBe('transaction-response');
    const found = await rt.store.locateMany(a.keys);
    expect(found.filter((p) => p === null)).toEqual([]);
  }
  expect(await rt.payloads.pendingCount()).toBe(0);
}, 600_000);
