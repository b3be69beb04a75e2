/**
 * Search (scope `read`): `GET /fhir/{type}?…` → a searchset Bundle with `total` and self/next/previous
 * links, filtered to the caller's source. Unknown parameters are ignored and reported in an
 * OperationOutcome entry (`search.mode = outcome`), or rejected with 400 under `Prefer: handling=strict`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { FhirError, issue } from '../../fhir/outcome';
import {
  isFhirResourceType as isKnownResourceType,
  loadFhirDefinitions as resourceTypeNames,
} from '../../validation/fhir-definitions';
import { belongsTo, namespacedId } from '../../identity';
import { pageLinks } from '../../search/links';
import { parseSearch, supportedParams, type Query } from '../../search/params';
import { searchStore } from '../../search/search';
import type { Store } from '../../store/store';
import { requireScope, sourceOf } from '../auth';
import { FHIR_JSON } from '../fhir-json';
import { addResourceCapability, type Capabilities } from './metadata';
import { baseUrl } from '../base-url';

export function strictHandling(req: FastifyRequest): boolean {
  return /(^|[,;\s])handling=strict([,;\s]|$)/.test(String(req.headers.prefer ?? ''));
}

const PARAM_DOCS: Record<string, { type: 'token' | 'date' | 'reference'; doc: string }> = {
  _id: { type: 'token', doc: 'Logical id (namespaced)' },
  _lastUpdated: { type: 'date', doc: 'Prefixes eq, gt, ge, lt, le, sa, eb; repeat to AND' },
  patient: { type: 'reference', doc: 'Patient/<id>; namespaced or as sent by your source' },
  subject: { type: 'reference', doc: 'Same as patient' },
  target: { type: 'reference', doc: 'Provenance: Type/id (any version) or Type/id/_history/version' },
  code: {
    type: 'token',
    doc: 'system|code, |code, system| or code; code.coding and medicationCodeableConcept',
  },
};

export async function searchRoutes(
  app: FastifyInstance,
  deps: { store: Store; caps: Capabilities },
): Promise<void> {
  for (const type of resourceTypeNames()) {
    const searchParam = supportedParams(type)
      .filter((p) => PARAM_DOCS[p])
      .map((name) => ({ name, type: PARAM_DOCS[name].type, documentation: PARAM_DOCS[name].doc }));
    addResourceCapability(deps.caps, type, { interaction: [{ code: 'search-type' }], searchParam });
  }

  app.get<{ Params: { type: string }; Querystring: Query }>(
    '/fhir/:type',
    { onRequest: requireScope('read') },
    async (req, reply) => {
      const { type } = req.params;
      if (!isKnownResourceType(type))
        throw new FhirError(404, issue('not-supported', `Unknown resource type ${type}`));
      const source = sourceOf(req);
      const { criteria, unknown, invalid } = parseSearch(type, req.query);
      if (invalid.length) throw new FhirError(400, invalid);
      if (unknown.length && strictHandling(req)) {
        throw new FhirError(
          400,
          unknown.map((p) => issue('not-supported', `Search parameter ${p} is not supported for ${type}`, p)),
        );
      }
      if (criteria.patient && !belongsTo(criteria.patient, source))
        criteria.patient = namespacedId(source, criteria.patient);
      // A target id as the caller sent it, or as stored (derived outputs keep un-namespaced ids).
      criteria.targets = criteria.targets?.flatMap((t) => {
        const [type, id, ...rest] = t.split('/');
        return belongsTo(id, source) ? [t] : [t, [type, namespacedId(source, id), ...rest].join('/')];
      });
      const { total, page } = await searchStore(deps.store, source, criteria);
      const base = baseUrl(req);
      const entry: BundleEntry[] = page.map((r) => ({
        fullUrl: `${base}/fhir/${r.key}`,
        resource: r.resource,
        search: { mode: 'match' },
      }));
      if (unknown.length) {
        entry.push({
          resource: {
            resourceType: 'OperationOutcome',
            issue: unknown.map((p) =>
              issue(
                'not-supported',
                `Search parameter ${p} is not supported for ${type} and was ignored`,
                p,
                'warning',
              ),
            ),
          },
          search: { mode: 'outcome' },
        });
      }
      const known = Object.fromEntries(Object.entries(req.query).filter(([k]) => !unknown.includes(k)));
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'searchset',
        total,
        link: pageLinks(base, known, criteria, total),
        entry,
      };
      return reply.type(FHIR_JSON).send(bundle);
    },
  );
}
