/**
 * Read (scope `read`): `GET /fhir/{type}/{id}` for derived outputs and stored source resources, and
 * `GET /fhir/{type}/{id}/_history/{vid}` (outputs keep their previous versions; a source resource only
 * its current one). The id may be given namespaced (`hospa.p1`) or as the caller sent it (`p1`).
 * Anything absent or belonging to another source is a 404 — the two are indistinguishable.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FhirError, issue } from '../../fhir/outcome';
import { readVisible } from '../../search/read';
import type { StoredResource, Store } from '../../store/store';
import { requireScope, sourceOf } from '../auth';
import { FHIR_JSON } from '../fhir-json';
import { addResourceCapability, type Capabilities } from './metadata';
import { storedResourceTypes } from '../../search/resource-types';

const notFound = (type: string, id: string) =>
  new FhirError(404, issue('not-found', `${type}/${id} is not known`));

function send(reply: FastifyReply, r: StoredResource): FastifyReply {
  return reply
    .header('ETag', `W/"${r.versionId}"`)
    .header('Last-Modified', new Date(r.lastUpdated).toUTCString())
    .type(FHIR_JSON)
    .send(r.resource);
}

export const VERSIONED_OUTPUT_TYPES = ['MedicationStatement', 'DetectedIssue'];

export async function readRoutes(
  app: FastifyInstance,
  deps: { store: Store; caps: Capabilities },
): Promise<void> {
  const auth = { onRequest: requireScope('read') };
  for (const type of storedResourceTypes())
    addResourceCapability(deps.caps, type, { interaction: [{ code: 'read' }] });
  for (const type of VERSIONED_OUTPUT_TYPES)
    addResourceCapability(deps.caps, type, { interaction: [{ code: 'vread' }] });

  app.get<{ Params: { type: string; id: string } }>('/fhir/:type/:id', auth, async (req, reply) => {
    const { type, id } = req.params;
    const r = await readVisible(deps.store, sourceOf(req), type, id);
    if (!r) throw notFound(type, id);
    return send(reply, r);
  });

  app.get<{ Params: { type: string; id: string; vid: string } }>(
    '/fhir/:type/:id/_history/:vid',
    auth,
    async (req, reply) => {
      const { type, id, vid } = req.params;
      const r = await readVisible(deps.store, sourceOf(req), type, id);
      if (!r) throw notFound(type, id);
      if (r.versionId === vid) return send(reply, r);
      if (r.patient) {
        const old = (await deps.store.outputHistory(r.key, r.patient)).find((o) => o.meta?.versionId === vid);
        if (old) {
          return send(reply, {
            ...r,
            versionId: vid,
            lastUpdated: old.meta?.lastUpdated ?? r.lastUpdated,
            resource: old,
          });
        }
      }
      throw new FhirError(404, issue('not-found', `${type}/${id} has no version ${vid}`));
    },
  );
}
