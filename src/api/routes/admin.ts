/**
 * Admin (scope `admin`): the bull-board dashboard at /admin/queues (browsers may use HTTP Basic with
 * the token as password), replay of failed jobs, and the reject log of invalid resources.
 */
import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { FhirError, issue } from '../../fhir/outcome';
import { isQueueName, type Queues } from '../../queue/queues';
import { RejectLog } from '../../store/reject-log';
import type { Store } from '../../store/store';
import { requireScope } from '../auth';

export async function adminRoutes(
  app: FastifyInstance,
  deps: { queues: Queues; store: Store; rejects?: RejectLog },
): Promise<void> {
  const guard = requireScope('admin', { basicRealm: 'bitebridge admin' });

  await app.register(async (scoped) => {
    scoped.addHook('onRequest', guard);
    const serverAdapter = new FastifyAdapter();
    createBullBoard({ queues: deps.queues.all().map((q) => new BullMQAdapter(q)), serverAdapter });
    serverAdapter.setBasePath('/admin/queues');
    await scoped.register(serverAdapter.registerPlugin(), { prefix: '/admin/queues' });
  });

  app.post<{ Params: { queue: string; id: string } }>(
    '/admin/jobs/:queue/:id/retry',
    { onRequest: guard },
    async (req) => {
      const { queue, id } = req.params;
      if (!isQueueName(queue)) throw new FhirError(404, issue('not-found', 'Unknown queue'));
      const job = await deps.queues.get(queue).getJob(id);
      if (!job) throw new FhirError(404, issue('not-found', 'Unknown job'));
      const state = await job.getState();
      if (state !== 'failed' && state !== 'completed')
        throw new FhirError(
          409,
          issue('conflict', `Job is ${state}; only failed or completed jobs can be replayed`),
        );
      await job.retry(state);
      return { queue, id, replayed: true, from: state };
    },
  );

  app.post<{ Params: { queue: string } }>(
    '/admin/queues-api/:queue/retry-failed',
    { onRequest: guard },
    async (req) => {
      const { queue } = req.params;
      if (!isQueueName(queue)) throw new FhirError(404, issue('not-found', 'Unknown queue'));
      const failed = await deps.queues.get(queue).getFailedCount();
      await deps.queues.get(queue).retryJobs({ state: 'failed', count: 1000 });
      return { queue, replayed: failed };
    },
  );

  app.get<{ Querystring: { count?: string } }>('/admin/rejects', { onRequest: guard }, async (req) => {
    const n = Math.min(Math.max(Number(req.query.count ?? 50) || 50, 1), 1000);
    return {
      rejects: await (deps.rejects ?? new RejectLog(deps.store.redis, deps.store.keys.prefix)).list(n),
    };
  });
}
