/**
 * Registry destinations and their dead letter (scope `admin`, the caller's source only):
 *   GET    /admin/destinations                 configured and API-created, without secrets
 *   PUT    /admin/destinations/{id}            create or replace (JSON body, see README)
 *   DELETE /admin/destinations/{id}            API-created ones only
 *   GET    /admin/destinations/{id}/dead       failed deliveries (attempts exhausted)
 *   POST   /admin/destinations/{id}/replay     replay them all
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DestinationError, publicView } from '../../deliver/destinations';
import type { DestinationRegistry } from '../../deliver/registry';
import { FhirError, issue } from '../../fhir/outcome';
import type { Queues } from '../../queue/queues';
import { requireScope, sourceOf } from '../auth';

export async function destinationRoutes(
  app: FastifyInstance,
  deps: { destinations: DestinationRegistry; queues: Queues },
): Promise<void> {
  const auth = { onRequest: requireScope('admin') };
  const mine = async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const d = await deps.destinations.get(req.params.id);
    if (!d || d.source !== sourceOf(req)) throw new FhirError(404, issue('not-found', 'Unknown destination'));
    return d;
  };
  const dead = async (id: string) =>
    (await deps.queues.get('deliver').getFailed(0, 10_000)).filter(
      (j) => j.name === 'push' && j.data?.destination === id,
    );

  app.get('/admin/destinations', auth, async (req) => ({
    destinations: (await deps.destinations.all())
      .filter((d) => d.source === sourceOf(req))
      .map((d) => ({ ...publicView(d), configured: deps.destinations.isConfigured(d.id) })),
  }));

  app.put<{ Params: { id: string } }>('/admin/destinations/:id', auth, async (req, reply) => {
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new FhirError(400, issue('invalid', 'Expected a destination object'));
    try {
      const d = await deps.destinations.put({ ...body, id: req.params.id }, sourceOf(req));
      return reply.code(200).send(publicView(d));
    } catch (err) {
      if (err instanceof DestinationError) throw new FhirError(400, issue('invalid', err.message));
      throw err;
    }
  });

  app.delete<{ Params: { id: string } }>('/admin/destinations/:id', auth, async (req, reply) => {
    await mine(req);
    if (deps.destinations.isConfigured(req.params.id))
      throw new FhirError(409, issue('conflict', 'This destination is fixed by configuration'));
    await deps.destinations.remove(req.params.id, sourceOf(req));
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/admin/destinations/:id/dead', auth, async (req) => {
    await mine(req);
    return {
      dead: (await dead(req.params.id)).map((j) => ({
        jobId: j.id,
        patient: j.data.patient,
        attempts: j.attemptsMade,
        reason: j.failedReason,
        failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : undefined,
      })),
    };
  });

  app.post<{ Params: { id: string } }>('/admin/destinations/:id/replay', auth, async (req) => {
    await mine(req);
    const jobs = await dead(req.params.id);
    for (const j of jobs) await j.retry('failed');
    return { destination: req.params.id, replayed: jobs.length };
  });
}
