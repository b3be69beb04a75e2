/**
 * An in-process bitebridge for integration tests: real Redis (own key prefix), real HTTP on a free
 * loopback port, real BullMQ workers. Tokens: one per scope set, for two sources.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { TokenRegistry } from '../../src/auth/tokens';
import { createLogger, type Logger } from '../../src/logger';
import { createRuntime, startApi, stopRuntime, type Runtime } from '../../src/runtime';
import { WORKERS } from '../../workers';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from './redis';

export const TOKENS = {
  hospA: 'token-hospa-ingest-read-0001',
  hospB: 'token-hospb-ingest-read-0002',
  readOnly: 'token-hospa-read-only-00003',
  admin: 'token-hospa-admin-all-000004',
  exporter: 'token-hospa-export-00000005',
};

export function testTokens(): TokenRegistry {
  return new TokenRegistry([
    { token: TOKENS.hospA, source: 'hospa', scopes: ['ingest', 'read'] },
    { token: TOKENS.hospB, source: 'hospb', scopes: ['ingest', 'read', 'export'] },
    { token: TOKENS.readOnly, source: 'hospa', scopes: ['read'] },
    { token: TOKENS.admin, source: 'hospa', scopes: ['ingest', 'read', 'export', 'admin'] },
    { token: TOKENS.exporter, source: 'hospa', scopes: ['read', 'export'] },
  ]);
}

/** A metric's value as a scrape of this runtime's registry reads it (its first series; 0 when none). */
export async function gaugeValue(rt: Runtime, name: string): Promise<number> {
  const metric = rt.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values[0]?.value ?? 0;
}

export interface Harness {
  rt: Runtime;
  base: string;
  prefix: string;
  request(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string | Uint8Array },
  ): Promise<{ status: number; headers: Headers; body: any }>;
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  suite: string,
  opts: { workers?: boolean; config?: Record<string, unknown>; log?: Logger } = {},
): Promise<Harness> {
  const prefix = uniquePrefix(suite);
  const rt = await createRuntime(
    {
      keyPrefix: prefix,
      port: 0,
      redisUrl: TEST_REDIS_URL,
      redisEmbedded: 'never',
      workerConcurrency: 4,
      // Tests poll exports fast; the 429 pacing has its own test (bulk-params) that turns it on.
      exportMinPollMs: 0,
      // The in-process workers share this event loop and CI machines are loaded: load shedding would
      // answer 503 at random here. It has its own test (back-pressure).
      maxEventLoopDelayMs: 0,
      // A sync answer must not turn into a 202 because a loaded CI machine is slow (no speed in tests);
      // the bound itself has its own test (ingest-api).
      syncWaitMs: 300_000,
      ...opts.config,
    },
    opts.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
  const app = await startApi(rt, { registry: testTokens(), origin: 'test' });
  if (opts.workers !== false) for (const f of Object.values(WORKERS)) f?.(rt);
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const h: Harness = {
    rt,
    base,
    prefix,
    async request(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | Uint8Array | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/fhir+json';
      }
      const res = await fetch(base + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON (metrics, dashboard html) */
      }
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async idle(timeoutMs = 20000) {
      const end = Date.now() + timeoutMs;
      let quietRounds = 0;
      while (Date.now() < end) {
        let busy = 0;
        for (const q of rt.queues.all()) {
          const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          busy += Object.values(c).reduce((a, b) => a + b, 0);
        }
        quietRounds = busy === 0 ? quietRounds + 1 : 0;
        if (quietRounds >= 3) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('queues did not drain in time');
    },
    async close() {
      await stopRuntime(rt);
      const r = new Redis(TEST_REDIS_URL);
      await deletePrefix(r, prefix);
      await r.quit();
    },
  };
  return h;
}

/** A transaction Bundle of resources, PUT by id. */
export function transaction(resources: Resource[], type: Bundle['type'] = 'transaction'): Bundle {
  return {
    resourceType: 'Bundle',
    type,
    entry: resources.map((r) => ({
      resource: r,
      request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
    })),
  };
}
