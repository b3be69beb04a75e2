/**
 * Admin (scope `admin`): the bull-board dashboard at /admin/queues (browsers may use HTTP Basic with
 * the token as password), replay of failed jobs, and the reject log of invalid resources. Pending
 * payloads and dead letters: /admin/ingest (admin-ingest.ts), linked from the dashboard's menu.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { FhirError, issue } from '../../fhir/outcome';
import { isQueueName, type Queues } from '../../queue/queues';
import { RejectLog } from '../../store/reject-log';
import type { Store } from '../../store/store';
import { requireScope } from '../auth';

/** The stylesheet link bull-board's page has to Google Fonts (the page falls back to system fonts). */
const EXTERNAL_LINK = /<link\s+href="https:\/\/fonts\.googleapis\.com\/[^"]*"\s+rel="stylesheet"\s*\/?>/g;

/**
 * Opened as http://user:token@host/admin/queues, the page's relative fetches (its translations) carry
 * the credentials in the URL, which browsers refuse: the page then shows raw i18n keys. Reloading the
 * same URL without them keeps the Basic credentials the browser already holds for the realm.
 */
export const STRIP_URL_CREDENTIALS =
  "<script>(function(){var u=new URL(location.href);if(u.username||u.password){u.username='';u.password='';location.replace(u.href);}})();</script>";

/**
 * bull-board's page, made to work offline and with URL credentials: no request leaves the server
 * (CSP: self only, no external fonts), and credentials are stripped from the page URL first thing.
 */
function offlineDashboard(reply: FastifyReply, payload: unknown): unknown {
  reply.header(
    'Content-Security-Policy',
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; font-src 'self'; connect-src 'self'",
  );
  const type = String(reply.getHeader('content-type') ?? '');
  if (typeof payload !== 'string' || !type.startsWith('text/html')) return payload;
  return payload.replace(EXTERNAL_LINK, '').replace('<head>', `<head>\n    ${STRIP_URL_CREDENTIALS}`);
}

export async function adminRoutes(
  app: FastifyInstance,
  deps: { queues: Queues; store: Store; rejects?: RejectLog },
): Promise<void> {
  const guard = requireScope('admin', { basicRealm: 'bitebridge admin' });

  await app.register(async (scoped) => {
    scoped.addHook('onRequest', guard);
    scoped.addHook('onSend', async (_req, reply, payload) => offlineDashboard(reply, payload));
    const serverAdapter = new FastifyAdapter();
    createBullBoard({
      queues: deps.queues.all().map((q) => new BullMQAdapter(q)),
      serverAdapter,
      // Pending payloads and dead letters are not jobs: they have their own page (admin-ingest.ts).
      options: { uiConfig: { miscLinks: [{ text: 'Ingest health', url: '/admin/ingest' }] } },
    });
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
