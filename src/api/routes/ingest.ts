/**
 * Ingest endpoints: POST /fhir (Bundle), POST /fhir/{type}, PUT /fhir/{type}/{id}.
 * Synchronous by default: validated, stored, and queued for mapping before the answer is sent, so an
 * acknowledged resource is never lost. `Prefer: respond-async` answers 202 after the cheap edge checks
 * with the payload persisted as an `ingest` job, and a status URL in Content-Location.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { acceptPayload, type AcceptResult, type EntryValidator } from '../../ingest/accept';
import { parsePayload } from '../../ingest/entries';
import { sha256, stableStringify } from '../../ingest/canonical';
import { FhirError, issue } from '../../fhir/outcome';
import type { Metrics } from '../../ops/metrics';
import type { Queues } from '../../queue/queues';
import type { RejectLog } from '../../store/reject-log';
import type { Store } from '../../store/store';
import { requireScope, sourceOf } from '../auth';
import { FHIR_JSON } from '../fhir-json';
import { baseUrl } from '../base-url';
import { wantsAsync } from '../prefer';

export interface IngestRouteDeps {
  store: Store;
  queues: Queues;
  validate: EntryValidator;
  metrics: Metrics;
  rejects?: RejectLog;
}

function responseBundle(result: AcceptResult): Bundle {
  const entry: BundleEntry[] = result.entries.map((e) => ({
    response: {
      status: e.status,
      ...(e.location ? { location: e.location } : {}),
      ...(e.etag ? { etag: e.etag } : {}),
      ...(e.lastModified ? { lastModified: e.lastModified } : {}),
      ...(e.outcome ? { outcome: e.outcome } : {}),
    },
  }));
  return {
    resourceType: 'Bundle',
    type: result.kind === 'transaction' ? 'transaction-response' : 'batch-response',
    entry,
  };
}

export async function ingestRoutes(app: FastifyInstance, deps: IngestRouteDeps): Promise<void> {
  const auth = { onRequest: requireScope('ingest') };

  async function enqueueMapping(source: string, result: AcceptResult): Promise<void> {
    for (const [k, n] of Object.entries(result.tally)) deps.metrics.ingestEntries.inc({ outcome: k }, n);
    if (!result.toMap.length) return;
    // The id makes a re-send of the same versions one job. If that job exhausted its attempts earlier
    // (it is kept, failed, for inspection), BullMQ would ignore the new add: replay it instead.
    const jobId = `m-${sha256(stableStringify(result.toMap)).slice(0, 40)}`;
    const job = await deps.queues.get('ingest').add('map', { source, items: result.toMap }, { jobId });
    if ((await job.getState()) === 'failed') await job.retry('failed');
  }

  async function accept(req: FastifyRequest, reply: FastifyReply, body: unknown): Promise<FastifyReply> {
    const source = sourceOf(req);
    if (wantsAsync(req)) {
      const parsed = parsePayload(body); // cheap edge checks: throws 400 on a malformed payload
      if (parsed.kind === 'transaction' && parsed.entryIssues.size) {
        throw new FhirError(400, [...parsed.entryIssues.values()].flat());
      }
      const jobId = `i-${randomUUID()}`;
      await deps.queues.get('ingest').add('accept', { source, payload: body }, { jobId });
      return reply
        .code(202)
        .header('Content-Location', `${baseUrl(req)}/fhir/_async/${jobId}`)
        .type(FHIR_JSON)
        .send({
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'information',
              code: 'informational',
              diagnostics: `Accepted for processing as job ${jobId}`,
            },
          ],
        });
    }
    let result: AcceptResult;
    try {
      result = await acceptPayload(body, source, {
        store: deps.store,
        validate: deps.validate,
        rejects: deps.rejects,
      });
    } catch (err) {
      if (err instanceof FhirError) deps.metrics.ingestEntries.inc({ outcome: 'invalid' });
      throw err;
    }
    await enqueueMapping(source, result);
    if (result.kind !== 'single') return reply.code(200).type(FHIR_JSON).send(responseBundle(result));
    const e = result.entries[0];
    const key = (e.location ?? '').split('/_history/')[0];
    const resource = (await deps.store.getSource(key, (await deps.store.locate(key)).patient))?.resource;
    return reply
      .code(e.status.startsWith('201') ? 201 : 200)
      .header('Location', `${baseUrl(req)}/fhir/${e.location}`)
      .header('ETag', e.etag ?? '')
      .header('Last-Modified', new Date(e.lastModified ?? Date.now()).toUTCString())
      .type(FHIR_JSON)
      .send(resource);
  }

  app.post('/fhir', auth, async (req, reply) => {
    const body = req.body as Resource | undefined;
    if (!body || body.resourceType !== 'Bundle') {
      throw new FhirError(
        400,
        issue(
          'invalid',
          'POST /fhir takes a Bundle; post single resources to /fhir/{type}',
          'Resource.resourceType',
        ),
      );
    }
    return accept(req, reply, body);
  });

  app.post<{ Params: { type: string } }>('/fhir/:type', auth, async (req, reply) => {
    const body = req.body as Resource | undefined;
    if (!body || typeof body !== 'object' || body.resourceType !== req.params.type) {
      throw new FhirError(
        400,
        issue('invalid', `Body resourceType must be ${req.params.type}`, 'Resource.resourceType'),
      );
    }
    return accept(req, reply, body);
  });

  app.put<{ Params: { type: string; id: string } }>('/fhir/:type/:id', auth, async (req, reply) => {
    const body = req.body as Resource | undefined;
    if (!body || typeof body !== 'object' || body.resourceType !== req.params.type) {
      throw new FhirError(
        400,
        issue('invalid', `Body resourceType must be ${req.params.type}`, 'Resource.resourceType'),
      );
    }
    if (body.id !== undefined && body.id !== req.params.id) {
      throw new FhirError(
        400,
        issue('invalid', 'Resource id does not match the URL', `${req.params.type}.id`),
      );
    }
    return accept(req, reply, { ...body, id: req.params.id });
  });
}
