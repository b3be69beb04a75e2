/**
 * Operations endpoints (outside /fhir, no PHI): /healthz (the process is up), /readyz (Redis answers
 * and the queues are open), /metrics (Prometheus text format). /metrics is served here unless the
 * process has a separate metrics listener (METRICS_PORT), and asks for `Authorization: Bearer
 * <METRICS_TOKEN>` when that is set.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Metrics } from '../../ops/metrics';
import type { Queues } from '../../queue/queues';

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
  },
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      checks.redis =
        (await Promise.race([
          deps.redis.ping(),
          new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 1000)),
        ])) === 'PONG'
          ? 'ok'
          : 'fail';
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
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });

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
