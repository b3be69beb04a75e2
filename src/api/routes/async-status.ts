/**
 * GET /fhir/_async/{id}: the status URL of a recorded payload (respond-async, or a sync request that
 * outlasted SYNC_WAIT_MS). 202 with X-Progress while pending (queued, running, or waiting for a
 * backoff retry); then the final answer: the batch/transaction-response, or the OperationOutcome that
 * rejected the payload. The caller must own the payload (same source); others get 404.
 */
import type { FastifyInstance } from 'fastify';
import { FhirError, issue } from '../../fhir/outcome';
import type { AcceptJobResult } from '../../queue/processors/ingest';
import type { Queues } from '../../queue/queues';
import type { PayloadLog } from '../../store/payloads';
import type { Store } from '../../store/store';
import { requireScope, sourceOf } from '../auth';
import { FHIR_JSON } from '../fhir-json';
import { responseBundle } from './ingest';

export async function asyncStatusRoutes(
  app: FastifyInstance,
  deps: { queues: Queues; store: Store; payloads: PayloadLog },
): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/fhir/_async/:id',
    { onRequest: requireScope('ingest') },
    async (req, reply) => {
      const source = sourceOf(req);
      const id = req.params.id;
      const status = async () => (await deps.store.getIngestStatus(id)) as AcceptJobResult | undefined;
      let done = await status();
      let pendingSource = done ? undefined : await deps.payloads.sourceOf(id);
      // Finished between the two reads: the worker writes the status and removes the payload in one MULTI.
      if (!done && !pendingSource) done = await status();
      if (done) pendingSource = undefined;
      // Another source's payload answers exactly like an unknown one, whether pending or finished.
      const owner = done?.source ?? pendingSource;
      if (owner !== source) throw new FhirError(404, issue('not-found', 'Unknown or expired async job'));
      if (done) {
        if (done.status !== 200 || !done.accept)
          return reply.code(done.status).type(FHIR_JSON).send(done.outcome);
        return reply.code(200).type(FHIR_JSON).send(responseBundle(done.accept));
      }
      const job = await deps.queues.get('ingest').getJob(id);
      const state = job ? await job.getState() : 'recorded';
      const text =
        state === 'failed'
          ? `Processing failed ${job?.attemptsMade ?? 0} times (infrastructure); it is retried automatically with backoff`
          : `Job is ${state}`;
      return reply
        .code(202)
        .header('X-Progress', state)
        .header('Retry-After', '1')
        .type(FHIR_JSON)
        .send({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'information', code: 'informational', diagnostics: text }],
        });
    },
  );
}
