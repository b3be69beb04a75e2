/**
 * Operations endpoints (outside /fhir, no PHI): /healthz (the process is up), /readyz (Redis answers
 * and the queues are open), /metrics (Prometheus text format).
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Metrics } from '../../ops/metrics';
import type { Queues } from '../../queue/queues';

export async function opsRoutes(
  app: FastifyInstance,
  deps: { redis: Redis; queues?: Queues; metrics: Metrics; isClosing: () => boolean },
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

  app.get('/metrics', async (_req, reply) => {
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
