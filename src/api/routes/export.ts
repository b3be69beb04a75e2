/**
 * Bulk Data Access IG v2 (scope `export`): kick-off `GET|POST /fhir/$export`, `/fhir/Patient/$export`,
 * `/fhir/Group/{id}/$export` (`Prefer: respond-async` required); status `GET /fhir/_export/{id}`
 * (202 + X-Progress/Retry-After while running, 200 + manifest when complete, 404 when unknown,
 * cancelled or expired), cancel `DELETE /fhir/_export/{id}`, and file download
 * `GET /fhir/_export/{id}/{file}`. Every step requires a token of the source that started the export.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FhirError, issue } from '../../fhir/outcome';
import { isFhirResourceType as isKnownResourceType } from '../../validation/fhir-definitions';
import { ExportJobs, type ExportRecord } from '../../export/jobs';
import { fromParameters, fromQuery, parseExportParams, type ExportLevel } from '../../export/request';
import type { Queues } from '../../queue/queues';
import { readVisible } from '../../search/read';
import type { Store } from '../../store/store';
import { requireScope, sourceOf } from '../auth';
import { FHIR_JSON } from '../fhir-json';
import { addResourceCapability, type Capabilities } from './metadata';
import { baseUrl } from '../base-url';
import { wantsAsync } from '../prefer';
import { pollPace } from '../../export/poll-pace';
import { belongsTo, namespacedId } from '../../identity';

/** Bulk Data: unsupported parameters are errors unless the client asks for `handling=lenient`. */
export function lenientHandling(req: FastifyRequest): boolean {
  return /(^|[,;\s])handling=lenient([,;\s]|$)/.test(String(req.headers.prefer ?? ''));
}

const BULK = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';

const unknownJob = () => new FhirError(404, issue('not-found', 'Unknown, cancelled or expired export'));

export async function exportRoutes(
  app: FastifyInstance,
  deps: { store: Store; queues: Queues; caps: Capabilities; now?: () => number; minPollMs?: number },
): Promise<void> {
  const jobs = new ExportJobs(deps.store.redis, deps.store.prefix);
  const now = deps.now ?? Date.now;
  const auth = { onRequest: requireScope('export') };
  deps.caps.systemOperations.push({ name: 'export', definition: `${BULK}/export` });
  deps.caps.instantiates.add('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
  const pace = pollPace(deps.store.redis, deps.store.prefix, deps.minPollMs ?? 0);
  addResourceCapability(deps.caps, 'Patient', {
    operation: [{ name: 'export', definition: `${BULK}/patient-export` }],
  });
  addResourceCapability(deps.caps, 'Group', {
    operation: [{ name: 'export', definition: `${BULK}/group-export` }],
  });

  async function kickOff(
    req: FastifyRequest,
    reply: FastifyReply,
    level: ExportLevel,
    groupId?: string,
  ): Promise<FastifyReply> {
    const source = sourceOf(req);
    if (!wantsAsync(req))
      throw new FhirError(400, issue('invalid', '$export requires the header Prefer: respond-async'));
    const raw =
      req.method === 'POST'
        ? fromParameters(req.body)
        : fromQuery(req.query as Record<string, string | string[]>);
    const params = parseExportParams(raw, isKnownResourceType, !lenientHandling(req), level);
    if (params.patients)
      params.patients = params.patients.map((p) => (belongsTo(p, source) ? p : namespacedId(source, p)));
    let group: string | undefined;
    if (groupId !== undefined) {
      const g = await readVisible(deps.store, source, 'Group', groupId);
      if (!g) throw new FhirError(404, issue('not-found', `Group/${groupId} is not known`));
      group = g.resource.id;
    }
    const id = randomUUID();
    // One ms before Redis time: every later write scores higher, so `_since = transactionTime` on the
    // next pull misses nothing written after this kick-off.
    const transactionTime = (await deps.store.serverTimeMs()) - 1;
    await jobs.create({
      id,
      source,
      level,
      group,
      transactionTime,
      request: `${baseUrl(req)}${req.url}`,
      ...params,
    });
    await deps.queues.get('export').add('run', { id }, { jobId: id });
    return reply
      .code(202)
      .header('Content-Location', `${baseUrl(req)}/fhir/_export/${id}`)
      .type(FHIR_JSON)
      .send({
        resourceType: 'OperationOutcome',
        issue: [issue('informational', `Export ${id} accepted`, undefined, 'information')],
      });
  }

  app.get('/fhir/$export', auth, (req, reply) => kickOff(req, reply, 'system'));
  app.post('/fhir/$export', auth, (req, reply) => kickOff(req, reply, 'system'));
  app.get('/fhir/Patient/$export', auth, (req, reply) => kickOff(req, reply, 'patient'));
  app.post('/fhir/Patient/$export', auth, (req, reply) => kickOff(req, reply, 'patient'));
  app.get<{ Params: { id: string } }>('/fhir/Group/:id/$export', auth, (req, reply) =>
    kickOff(req, reply, 'group', req.params.id),
  );
  app.post<{ Params: { id: string } }>('/fhir/Group/:id/$export', auth, (req, reply) =>
    kickOff(req, reply, 'group', req.params.id),
  );

  /** The caller's live export record; expired ones are deleted on access. */
  async function owned(req: FastifyRequest<{ Params: { id: string } }>): Promise<ExportRecord> {
    const rec = await jobs.get(req.params.id);
    if (!rec || rec.spec.source !== sourceOf(req)) throw unknownJob();
    if (rec.expiresAt !== undefined && rec.expiresAt <= now()) {
      await jobs.remove(rec.spec.id, rec.result?.dir);
      throw unknownJob();
    }
    return rec;
  }

  app.get<{ Params: { id: string } }>('/fhir/_export/:id', auth, async (req, reply) => {
    const rec = await owned(req);
    const base = baseUrl(req);
    if (rec.status === 'complete' && rec.result) {
      const url = (f: string) => `${base}/fhir/_export/${rec.spec.id}/${f}`;
      return reply
        .code(200)
        .header('Expires', new Date(rec.expiresAt ?? now()).toUTCString())
        .type('application/json')
        .send({
          transactionTime: new Date(rec.spec.transactionTime).toISOString(),
          request: rec.spec.request,
          requiresAccessToken: true,
          output: rec.result.output.map((f) => ({ type: f.type, url: url(f.file), count: f.count })),
          error: rec.result.error.map((f) => ({ type: f.type, url: url(f.file), count: f.count })),
        });
    }
    const job = await deps.queues.get('export').getJob(rec.spec.id);
    if (job && (await job.getState()) === 'failed') {
      throw new FhirError(
        500,
        issue('exception', `Export failed after ${job.attemptsMade} attempts; start a new one`),
      );
    }
    const { tooFast, retryAfterSeconds } = await pace(rec.spec.id, now());
    if (tooFast) {
      return reply
        .code(429)
        .header('Retry-After', String(retryAfterSeconds))
        .type(FHIR_JSON)
        .send({
          resourceType: 'OperationOutcome',
          issue: [issue('throttled', `Polled too often; wait ${retryAfterSeconds} s (Retry-After)`)],
        });
    }
    return reply
      .code(202)
      .header('X-Progress', rec.progress ?? (rec.status === 'queued' ? 'Queued' : 'Running'))
      .header('Retry-After', String(retryAfterSeconds))
      .type(FHIR_JSON)
      .send({
        resourceType: 'OperationOutcome',
        issue: [issue('informational', `Export is ${rec.status}`, undefined, 'information')],
      });
  });

  app.delete<{ Params: { id: string } }>('/fhir/_export/:id', auth, async (req, reply) => {
    const rec = await owned(req);
    // A waiting job is removed; a running one sees its record gone at the next patient and stops.
    await (await deps.queues.get('export').getJob(rec.spec.id))?.remove().catch(() => undefined);
    await jobs.remove(rec.spec.id, rec.result?.dir);
    return reply
      .code(202)
      .type(FHIR_JSON)
      .send({
        resourceType: 'OperationOutcome',
        issue: [issue('informational', `Export ${rec.spec.id} cancelled`, undefined, 'information')],
      });
  });

  app.get<{ Params: { id: string; file: string } }>('/fhir/_export/:id/:file', auth, async (req, reply) => {
    const rec = await owned(req);
    const files = [...(rec.result?.output ?? []), ...(rec.result?.error ?? [])];
    const f = files.find((x) => x.file === req.params.file);
    if (rec.status !== 'complete' || !rec.result || !f)
      throw new FhirError(404, issue('not-found', 'Unknown export file'));
    const path = join(rec.result.dir, f.file);
    // Swept or on another machine's disk (EXPORT_DIR not shared): a 404, not a 500.
    if (!(await stat(path).catch(() => null)))
      throw new FhirError(404, issue('not-found', 'Export file no longer available'));
    return reply.type('application/fhir+ndjson').send(createReadStream(path));
  });
}
