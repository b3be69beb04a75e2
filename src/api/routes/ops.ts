/**
 * Operations endpoints (outside /fhir, no PHI): /healthz (the process is up), /readyz (Redis answers
 * and the queues are open; plus the ingest backlog, which never makes it unready), /alerts (the active
 * ingest alerts, for monitoring to poll), /metrics (Prometheus text format). /metrics is served here
 * unless the process has a separate metrics listener (METRICS_PORT), and asks for `Authorization:
 * Bearer <METRICS_TOKEN>` when that is set. /readyz and /alerts hold counts and ages only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { IngestFigures, IngestHealth } from '../../ops/ingest-health';
import type { Metrics } from '../../ops/metrics';
import type { Queues } from '../../queue/queues';

/** How long a probe waits for Redis before it answers with what it knows. */
const PROBE_MS = 1000;

/** `p`, or a rejection after `ms` (the timer is cleared either way). */
function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error('timeout')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function opsRoutes(
  app: FastifyInstance,
  deps: {
    redis: Redis;
    queues?: Queues;
    metrics: Metrics;
    isClosing: () => boolean;
    /** false: /metrics has a listener of its own (see metricsServer). */
    serveMetrics?: boolean;
    metricsToken?: string;
    /** The ingest backlog for /readyz and /alerts; absent (worker-only listener): neither shows it. */
    ingest?: IngestHealth;
  },
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  /**
   * Ready: this process can serve (Redis answers, queues open, not shutting down); 503 otherwise.
   * `checks.ingest` is `ok`, `degraded` (with `ingest.reasons`: the active alert names) or `unknown`
   * and never turns the answer into 503: the backlog is shared by every process, and taking a healthy
   * API out of rotation would stop new payloads without mapping a single dead letter.
   */
  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, string> = {};
    // Read alongside the ping, bounded the same way, so a probe costs one wait at most.
    const figures = deps.ingest
      ? bounded(deps.ingest.figures(), PROBE_MS).catch(() => undefined)
      : Promise.resolve(undefined);
    try {
      checks.redis = (await bounded(deps.redis.ping(), PROBE_MS)) === 'PONG' ? 'ok' : 'fail';
    } catch {
      checks.redis = 'fail';
    }
    if (deps.queues) {
      try {
        await Promise.all(deps.queues.all().map((q) => q.waitUntilReady()));
        checks.queues = 'ok';
      } catch {
        checks.queues = 'fail';
      }
    }
    if (deps.isClosing()) checks.shutdown = 'in progress';
    const ok = Object.values(checks).every((v) => v === 'ok');
    let ingest: (IngestFigures & { reasons: string[] }) | undefined;
    if (deps.ingest) {
      const f = await figures;
      if (f) {
        const reasons = [...new Set(deps.ingest.alerts(f).map((a) => a.alert))];
        checks.ingest = reasons.length ? 'degraded' : 'ok';
        ingest = { ...f, reasons };
      } else checks.ingest = 'unknown';
    }
    return reply
      .code(ok ? 200 : 503)
      .header('Cache-Control', 'no-store')
      .send({ status: ok ? 'ready' : 'not ready', checks, ...(ingest ? { ingest } : {}) });
  });

  /**
   * GET /alerts: the active ingest alerts (see ops/ingest-health.ts), 200 with a list, empty when all
   * is well; 503 `unknown` when the figures cannot be read (then Redis is the alert). No auth, like
   * /readyz: counts and ages only, never ids.
   */
  const ingest = deps.ingest;
  if (ingest) {
    app.get('/alerts', async (req, reply) => {
      reply.header('Cache-Control', 'no-store');
      let figures: IngestFigures;
      try {
        figures = await bounded(ingest.figures(), PROBE_MS);
      } catch (err) {
        req.log.warn({ err: (err as Error).message }, 'ingest figures unavailable');
        return reply.code(503).send({ status: 'unknown', alerts: [] });
      }
      const alerts = ingest.alerts(figures);
      return {
        status: alerts.length ? 'alerting' : 'ok',
        alerts,
        ingest: figures,
        pendingAlertSeconds: ingest.pendingAlertSeconds,
      };
    });
  }

  if (deps.serveMetrics !== false) metricsRoute(app, deps.metrics, deps.metricsToken);
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** GET /metrics, behind a bearer token when one is configured (compared in constant time). */
export function metricsRoute(app: FastifyInstance, metrics: Metrics, token?: string): void {
  const expected = token ? digest(token) : undefined;
  app.get('/metrics', async (req: FastifyRequest, reply: FastifyReply) => {
    if (expected) {
      const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
      if (!m || !timingSafeEqual(digest(m[1]), expected)) {
        return reply.code(401).header('WWW-Authenticate', 'Bearer realm="metrics"').send('unauthorized\n');
      }
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/** A listener serving only /metrics (METRICS_PORT), so the scrape port can stay off public interfaces. */
export async function startMetricsServer(
  metrics: Metrics,
  listen: { port: number; host: string },
  token?: string,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  metricsRoute(app, metrics, token);
  await app.listen(listen);
  return app;
}
