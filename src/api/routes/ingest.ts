/**
 * Ingest endpoints: POST /fhir (Bundle), POST /fhir/{type}, PUT /fhir/{type}/{id}.
 * The API only does the cheap edge checks (JSON, size and depth limits in the content parser, payload
 * shape), records the payload durably in the ingest log (one MULTI: body + pending index) and
 * enqueues an `accept` job that references it. Validation, storage and mapping run in the workers.
 * Synchronous requests then wait up to SYNC_WAIT_MS for the job and answer with its per-entry result;
 * past the bound, or with `Prefer: respond-async`, the answer is 202 with the status URL in
 * Content-Location. Nothing acknowledged is lost: the payload is recorded before any 2xx answer.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { QueueEvents } from 'bullmq';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { AcceptResult } from '../../ingest/accept';
import type { RawConditions } from '../../ingest/conditions';
import { duplicateFullUrlIssues, overlapIssues, parsePayload } from '../../ingest/entries';
import { FhirError, issue } from '../../fhir/outcome';
import { isRedisUnavailable } from '../../redis';
import type { Metrics } from '../../ops/metrics';
import { aboveHighWater, type StorageGuard, type StorageLevel } from '../../ops/storage-guard';
import type { AcceptJobResult } from '../../queue/processors/ingest';
import type { Queues } from '../../queue/queues';
import type { PayloadLog } from '../../store/payloads';
import type { RejectLog } from '../../store/reject-log';
import type { Store } from '../../store/store';
import { requireScope, sourceOf } from '../auth';
import { FHIR_JSON, rawJsonOf } from '../fhir-json';
import { baseUrl } from '../base-url';
import { wantsAsync } from '../prefer';

export interface IngestRouteDeps {
  store: Store;
  payloads: PayloadLog;
  queues: Queues;
  /** Completion events of the ingest queue (sync answers); without it every answer is 202. */
  ingestEvents?: QueueEvents;
  syncWaitMs: number;
  metrics: Metrics;
  rejects?: RejectLog;
  /** Redis memory against its maxmemory: new payloads are refused at the high-water mark. */
  storage?: StorageGuard;
}

export function responseBundle(result: Pick<AcceptResult, 'kind' | 'entries'>): Bundle {
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

function headerConditions(req: FastifyRequest): RawConditions | undefined {
  const h = req.headers;
  const c: RawConditions = {};
  if (h['if-match'] !== undefined) c.ifMatch = h['if-match'];
  if (h['if-none-match'] !== undefined) c.ifNoneMatch = h['if-none-match'];
  if (h['if-none-exist'] !== undefined) c.ifNoneExist = h['if-none-exist'];
  return Object.keys(c).length ? c : undefined;
}

function accepted(reply: FastifyReply, req: FastifyRequest, id: string, text: string): FastifyReply {
  return reply
    .code(202)
    .header('Content-Location', `${baseUrl(req)}/fhir/_async/${id}`)
    .type(FHIR_JSON)
    .send({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: text }],
    });
}

/** 503 at the storage high-water mark: the workers keep the rest of Redis to drain the backlog. */
function storageFull(l: StorageLevel): FhirError {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return new FhirError(
    503,
    issue(
      'transient',
      `Storage is ${pct(l.usedBytes / l.maxBytes)} full (ingest stops at ${pct(l.highWater)} of Redis maxmemory): ` +
        'nothing was accepted. Acknowledged payloads are still being processed; retry later.',
    ),
  );
}

export async function ingestRoutes(app: FastifyInstance, deps: IngestRouteDeps): Promise<void> {
  const auth = { onRequest: requireScope('ingest') };

  /** The finished payload's answer, as a FHIR server gives it. */
  async function answer(req: FastifyRequest, reply: FastifyReply, done: AcceptJobResult) {
    if (done.status !== 200 || !done.accept)
      return reply.code(done.status).type(FHIR_JSON).send(done.outcome);
    if (done.accept.kind !== 'single')
      return reply.code(200).type(FHIR_JSON).send(responseBundle(done.accept));
    const e = done.accept.entries[0];
    const loc = e.location ?? '';
    reply.code(e.status.startsWith('201') ? 201 : 200).header('Location', `${baseUrl(req)}/fhir/${loc}`);
    if (e.etag) reply.header('ETag', e.etag);
    if (e.lastModified) reply.header('Last-Modified', new Date(e.lastModified).toUTCString());
    const warned = e.outcome?.issue.some((i) => i.severity !== 'information');
    if (warned || !e.etag) return reply.type(FHIR_JSON).send(e.outcome);
    const key = loc.split('/_history/')[0];
    const resource = (await deps.store.getSource(key, (await deps.store.locate(key)).patient))?.resource;
    return reply.type(FHIR_JSON).send(resource ?? e.outcome);
  }

  async function accept(req: FastifyRequest, reply: FastifyReply, body: Resource): Promise<FastifyReply> {
    const source = sourceOf(req);
    const parsed = parsePayload(body); // cheap edge checks: throws 400 on a malformed payload
    const duplicates = duplicateFullUrlIssues(parsed);
    if (duplicates.length)
      throw new FhirError(400, [...duplicates, issue('processing', 'Bundle rejected: nothing was stored.')]);
    for (const [index, list] of overlapIssues(parsed)) parsed.entryIssues.set(index, list);
    if (parsed.kind === 'transaction' && parsed.entryIssues.size) {
      throw new FhirError(400, [
        ...[...parsed.entryIssues.entries()].sort(([a], [b]) => a - b).flatMap(([, list]) => list),
        issue('processing', 'Transaction rejected: no entry of this Bundle was stored.'),
      ]);
    }
    const level = await deps.storage?.level();
    if (level && aboveHighWater(level)) throw storageFull(level);
    const id = `i-${randomUUID()}`;
    const conditions = parsed.kind === 'single' ? headerConditions(req) : undefined;
    await deps.payloads.record({
      id,
      source,
      // As received when the body is the request's own (a PUT sets the id from the URL: serialised).
      body: (body === req.body ? rawJsonOf(req) : undefined) ?? JSON.stringify(body),
      conditions,
      receivedAt: Date.now(),
    });
    // From here on the payload is acknowledged: if enqueueing fails, the sweep enqueues it later.
    let job;
    try {
      job = await deps.queues.get('ingest').add('accept', { payloadId: id }, { jobId: id });
    } catch {
      return accepted(reply, req, id, `Recorded as ${id}; processing starts when the queue is reachable`);
    }
    if (wantsAsync(req) || !deps.ingestEvents || deps.syncWaitMs === 0) {
      return accepted(reply, req, id, `Accepted for processing as ${id}`);
    }
    try {
      await job.waitUntilFinished(deps.ingestEvents, deps.syncWaitMs);
    } catch (err) {
      if (/timed out/i.test((err as Error).message)) {
        return accepted(reply, req, id, `Recorded as ${id}; still processing: poll the status URL`);
      }
      // a failed job: rejected payloads carry their answer in the status below
    }
    // From here a Redis failure must not become "503, nothing was accepted": the payload is recorded.
    try {
      const done = (await deps.store.getIngestStatus(id)) as AcceptJobResult | undefined;
      if (!done) return accepted(reply, req, id, `Recorded as ${id}; will be retried: poll the status URL`);
      return await answer(req, reply, done);
    } catch (err) {
      if (!isRedisUnavailable(err as Error)) throw err;
      // answer() may have set the entry's Location/ETag before its read failed: the client gets none.
      for (const h of ['location', 'etag', 'last-modified']) reply.removeHeader(h);
      return accepted(
        reply,
        req,
        id,
        `Recorded as ${id}; its answer could not be read now: poll the status URL`,
      );
    }
  }

  const requireType = (body: Resource | undefined, type: string): Resource => {
    if (!body || typeof body !== 'object' || body.resourceType !== type) {
      throw new FhirError(
        400,
        issue('invalid', `Body resourceType must be ${type}`, 'Resource.resourceType'),
      );
    }
    return body;
  };

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
    return accept(req, reply, requireType(req.body as Resource | undefined, req.params.type));
  });

  app.put<{ Params: { type: string; id: string } }>('/fhir/:type/:id', auth, async (req, reply) => {
    const body = requireType(req.body as Resource | undefined, req.params.type);
    if (body.id !== undefined && body.id !== req.params.id) {
      throw new FhirError(
        400,
        issue('invalid', 'Resource id does not match the URL', `${req.params.type}.id`),
      );
    }
    return accept(req, reply, { ...body, id: req.params.id });
  });
}
