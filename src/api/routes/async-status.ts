/**
 * GET /fhir/_async/{jobId}: the status URL handed out with `Prefer: respond-async`.
 * 202 with X-Progress while queued or running; 200 with the batch/transaction-response (or the
 * OperationOutcome that rejected the payload) when done; 500-class outcome only if the job itself
 * failed for infrastructure reasons after all retries. The caller must own the job (same source).
 */
import type { FastifyInstance } from 'fastify';
import type { Bundle } from '@medplum/fhirtypes';
import { FhirError, issue } from '../../fhir/outcome';
import type { AcceptJobData, AcceptJobResult } from '../../queue/processors/ingest';
import type { Queues } from '../../queue/queues';
import type { Store } from '../../store/store';
import { requireScope, sourceOf } from '../auth';
import { FHIR_JSON } from '../fhir-json';

export async function asyncStatusRoutes(
  app: FastifyInstance,
  deps: { queues: Queues; store: Store },
): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/fhir/_async/:id',
    { onRequest: requireScope('ingest') },
    async (req, reply) => {
      const source = sourceOf(req);
      const job = await deps.queues.get('ingest').getJob(req.params.id);
      const done = (await deps.store.getIngestStatus(req.params.id)) as AcceptJobResult | undefined;
      // Another source's job answers exactly like an unknown one, whether still queued or finished.
      const owner = done?.source ?? (job?.data as AcceptJobData | undefined)?.source;
      if (owner !== source) throw new FhirError(404, issue('not-found', 'Unknown or expired async job'));
      if (done) {
        if (done.status !== 200 || !done.accept)
          return reply.code(done.status).type(FHIR_JSON).send(done.outcome);
        const bundle: Bundle = {
          resourceType: 'Bundle',
          type: done.accept.kind === 'transaction' ? 'transaction-response' : 'batch-response',
          entry: done.accept.entries.map((e) => ({
            response: {
              status: e.status,
              ...(e.location ? { location: e.location } : {}),
              ...(e.outcome ? { outcome: e.outcome } : {}),
            },
          })),
        };
        return reply.code(200).type(FHIR_JSON).send(bundle);
      }
      const state = await job!.getState();
      if (state === 'failed') {
        throw new FhirError(
          500,
          issue('exception', `Job failed after ${job!.attemptsMade} attempts; an operator can replay it`),
        );
      }
      return reply
        .code(202)
        .header('X-Progress', state)
        .header('Retry-After', '1')
        .type(FHIR_JSON)
        .send({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'information', code: 'informational', diagnostics: `Job is ${state}` }],
        });
    },
  );
}
