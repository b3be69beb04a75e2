/**
 * Search (scope `read`): `GET /fhir/{type}?…` → a searchset Bundle with `total` and self/next/previous
 * links, filtered to the caller's source. Unknown parameters are ignored and reported in an
 * OperationOutcome entry (`search.mode = outcome`), or rejected with 400 under `Prefer: handling=strict`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Bundle, BundleEntry, DetectedIssue, Resource } from '@medplum/fhirtypes';
import { FhirError, issue } from '../../fhir/outcome';
import { isFhirResourceType as isKnownResourceType } from '../../validation/fhir-definitions';
import { NOT_STORED_TYPES, storedResourceTypes } from '../../search/resource-types';
import { belongsTo, namespacedId } from '../../identity';
import { pageLinks } from '../../search/links';
import { DEFAULT_COUNT, MAX_COUNT, parseSearch, supportedParams, type Query } from '../../search/params';
import { readVisible } from '../../search/read';
import { searchStore } from '../../search/search';
import type { StoredResource, Store } from '../../store/store';
import { requireScope, sourceOf } from '../auth';
import { FHIR_JSON } from '../fhir-json';
import { addResourceCapability, type Capabilities } from './metadata';
import { baseUrl } from '../base-url';

export function strictHandling(req: FastifyRequest): boolean {
  return /(^|[,;\s])handling=strict([,;\s]|$)/.test(String(req.headers.prefer ?? ''));
}

const PARAM_DOCS: Record<
  string,
  { type: 'token' | 'date' | 'reference' | 'number' | 'special'; doc: string }
> = {
  _id: { type: 'token', doc: 'Logical id, namespaced (hospa.p1) or as your source sent it (p1); comma = OR' },
  _lastUpdated: { type: 'date', doc: 'Prefixes eq, gt, ge, lt, le, sa, eb; repeat to AND' },
  patient: { type: 'reference', doc: 'Patient/<id>; namespaced or as sent by your source' },
  subject: { type: 'reference', doc: 'Same as patient' },
  target: { type: 'reference', doc: 'Provenance: Type/id (any version) or Type/id/_history/version' },
  code: {
    type: 'token',
    doc: 'system|code, |code, system| or code; code.coding and medicationCodeableConcept',
  },
  origin: {
    type: 'token',
    doc: "derived (default): bitebridge's courses/flags only; source: the hospitals' own resources of this type; any: both",
  },
  _count: { type: 'number', doc: `Page size, default ${DEFAULT_COUNT}, at most ${MAX_COUNT}` },
  _offset: { type: 'number', doc: 'Paging cursor (follow the next link)' },
  _sort: { type: 'special', doc: '_lastUpdated (default) or -_lastUpdated' },
  _summary: { type: 'special', doc: 'count: the total only' },
  _elements: { type: 'special', doc: 'Top-level elements to return (the resources are marked SUBSETTED)' },
  _include: { type: 'special', doc: 'DetectedIssue:implicated adds the course of each flag' },
};

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/** `_elements`: the listed top-level elements plus resourceType, id and meta (tagged SUBSETTED). */
function subset(r: Resource, elements: string[]): Resource {
  const keep = new Set(['resourceType', 'id', 'meta', ...elements]);
  const out = Object.fromEntries(Object.entries(r).filter(([k]) => keep.has(k))) as Resource;
  out.meta = { ...(r.meta ?? {}), tag: [...(r.meta?.tag ?? []), SUBSETTED] };
  return out;
}

/** The courses a page of flags implicates, visible to the source, each once. */
async function implicatedCourses(
  store: Store,
  source: string,
  flags: StoredResource[],
): Promise<StoredResource[]> {
  const refs = new Set<string>();
  for (const f of flags)
    for (const i of (f.resource as DetectedIssue).implicated ?? [])
      if (i.reference?.startsWith('MedicationStatement/'))
        refs.add(i.reference.slice('MedicationStatement/'.length));
  const found = await Promise.all(
    [...refs].map((id) => readVisible(store, source, 'MedicationStatement', id)),
  );
  return found.filter((r): r is StoredResource => !!r);
}

export async function searchRoutes(
  app: FastifyInstance,
  deps: { store: Store; caps: Capabilities },
): Promise<void> {
  for (const type of storedResourceTypes()) {
    const searchParam = supportedParams(type)
      .filter((p) => PARAM_DOCS[p])
      .map((name) => ({ name, type: PARAM_DOCS[name].type, documentation: PARAM_DOCS[name].doc }));
    addResourceCapability(deps.caps, type, {
      interaction: [{ code: 'search-type' }],
      searchParam,
      ...(type === 'DetectedIssue' ? { searchInclude: ['DetectedIssue:implicated'] } : {}),
    });
  }

  async function search(
    req: FastifyRequest<{ Querystring: Query }>,
    reply: FastifyReply,
    type: string,
    compartment?: string,
  ) {
    if (!isKnownResourceType(type) || NOT_STORED_TYPES.has(type))
      throw new FhirError(404, issue('not-supported', `Unknown or unsearchable resource type ${type}`));
    const source = sourceOf(req);
    const query = { ...req.query };
    if (compartment !== undefined) {
      if (!supportedParams(type).includes('patient'))
        throw new FhirError(404, issue('not-supported', `${type} is not in the Patient compartment here`));
      if (query.patient !== undefined || query.subject !== undefined)
        throw new FhirError(400, issue('invalid', 'patient/subject is given by the compartment', 'patient'));
      query.patient = compartment;
    }
    const { criteria, unknown, invalid } = parseSearch(type, query);
    if (invalid.length) throw new FhirError(400, invalid);
    if (unknown.length && strictHandling(req)) {
      throw new FhirError(
        400,
        unknown.map((p) => issue('not-supported', `Search parameter ${p} is not supported for ${type}`, p)),
      );
    }
    if (criteria.patient && !belongsTo(criteria.patient, source))
      criteria.patient = namespacedId(source, criteria.patient);
    if (criteria.ids)
      criteria.ids = criteria.ids.map((id) => (belongsTo(id, source) ? id : namespacedId(source, id)));
    // A target id as the caller sent it, or as stored (derived outputs keep un-namespaced ids).
    criteria.targets = criteria.targets?.flatMap((t) => {
      const [ttype, id, ...rest] = t.split('/');
      return belongsTo(id, source) ? [t] : [t, [ttype, namespacedId(source, id), ...rest].join('/')];
    });
    const { total, page } = await searchStore(deps.store, source, criteria);
    const base = baseUrl(req);
    const shape = (r: Resource) => (criteria.elements ? subset(r, criteria.elements) : r);
    const entry: BundleEntry[] = page.map((r) => ({
      fullUrl: `${base}/fhir/${r.key}`,
      resource: shape(r.resource),
      search: { mode: 'match' },
    }));
    if (criteria.includeImplicated)
      for (const r of await implicatedCourses(deps.store, source, page))
        entry.push({ fullUrl: `${base}/fhir/${r.key}`, resource: r.resource, search: { mode: 'include' } });
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
    const known = Object.fromEntries(Object.entries(query).filter(([k]) => !unknown.includes(k)));
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total,
      ...(criteria.summaryCount ? {} : { link: pageLinks(base, known, criteria, total) }),
      ...(entry.length ? { entry } : {}),
    };
    return reply.type(FHIR_JSON).send(bundle);
  }

  app.get<{ Params: { type: string }; Querystring: Query }>(
    '/fhir/:type',
    { onRequest: requireScope('read') },
    async (req, reply) => search(req, reply, req.params.type),
  );

  // Patient compartment: GET /fhir/Patient/{id}/{type} is the search with patient={id}.
  app.get<{ Params: { id: string; type: string }; Querystring: Query }>(
    '/fhir/Patient/:id/:type',
    { onRequest: requireScope('read') },
    async (req, reply) => search(req, reply, req.params.type, req.params.id),
  );
}
