/**
 * Bulk Data kick-off parameters (FHIR Bulk Data Access IG v2) parsed into an export spec: pure, so
 * the API, the worker and the CLI share one reading. `_typeFilter` values are search queries
 * (`DetectedIssue?code=crs`) read with the search parameter parser; several for one type are OR'd.
 */
import type { Group, OperationOutcomeIssue, Parameters } from '@medplum/fhirtypes';
import { FhirError, issue } from '../fhir/outcome';
import { belongsTo } from '../identity';
import { parseDateRange } from '../search/dates';
import { bodyMatches, keyMatches } from '../search/match';
import { parseSearch, type SearchCriteria } from '../search/params';
import type { StoredResource } from '../store/store';

export const OUTPUT_FORMATS = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];
export const KICKOFF_PARAMS = ['_outputFormat', '_since', '_type', '_typeFilter', '_elements', 'patient'];

export type ExportLevel = 'system' | 'patient' | 'group';

export interface ExportParams {
  types?: string[];
  /** Exclusive lower bound on last-updated (ms). */
  since?: number;
  /** Raw `_typeFilter` queries, kept raw so the worker re-reads them with the same parser. */
  typeFilters: string[];
  /** Parameter names this server does not support (ignored; reported in the error file). */
  ignored: string[];
  /** `patient`: only these patients (ids as the client sent them; the route namespaces them). */
  patients?: string[];
  /** `_elements`: top-level elements kept (`name` or `Type.name`); output tagged SUBSETTED. */
  elements?: string[];
}

export type RawParams = Record<string, string[]>;

/** GET query (values may be arrays) → name → values. */
export function fromQuery(q: Record<string, string | string[] | undefined>): RawParams {
  const out: RawParams = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined) out[k] = Array.isArray(v) ? v : [v];
  return out;
}

/** POST body: a Parameters resource (valueString/valueInstant/valueCode…) → name → values. */
export function fromParameters(body: unknown): RawParams {
  const p = body as Parameters | undefined;
  if (!p || p.resourceType !== 'Parameters')
    throw new FhirError(400, issue('invalid', 'POST $export takes a Parameters resource', 'Parameters'));
  const out: RawParams = {};
  if (p.parameter !== undefined && !Array.isArray(p.parameter)) {
    throw new FhirError(
      400,
      issue('structure', 'Parameters.parameter must be an array', 'Parameters.parameter'),
    );
  }
  for (const param of p.parameter ?? []) {
    if (!param || typeof param !== 'object') {
      throw new FhirError(
        400,
        issue('structure', 'Each parameter must be an object', 'Parameters.parameter'),
      );
    }
    if (param.name === 'patient' && param.valueReference !== undefined) {
      const ref = param.valueReference?.reference;
      if (typeof ref !== 'string')
        throw new FhirError(
          400,
          issue('invalid', 'patient needs valueReference.reference', 'Parameters.parameter.valueReference'),
        );
      (out.patient ??= []).push(ref);
      continue;
    }
    const value = Object.entries(param).find(([k]) => k.startsWith('value'))?.[1];
    if (typeof param.name !== 'string' || (typeof value !== 'string' && typeof value !== 'number')) {
      throw new FhirError(
        400,
        issue('invalid', 'Each parameter needs a name and a primitive value', 'Parameters.parameter'),
      );
    }
    (out[param.name] ??= []).push(String(value));
  }
  return out;
}

export function parseTypeFilter(filter: string): {
  type: string;
  criteria?: SearchCriteria;
  issues: OperationOutcomeIssue[];
} {
  const q = filter.indexOf('?');
  const type = q < 0 ? filter : filter.slice(0, q);
  const sp = new URLSearchParams(q < 0 ? '' : filter.slice(q + 1));
  const query: Record<string, string[]> = {};
  for (const [k, v] of sp) (query[k] ??= []).push(v);
  const { criteria, unknown, invalid } = parseSearch(type, query);
  const issues = [
    ...invalid,
    ...unknown.map((u) =>
      issue('not-supported', `_typeFilter: parameter ${u} is not supported for ${type}`, '_typeFilter'),
    ),
  ];
  return { type, criteria: issues.length ? undefined : criteria, issues };
}

/**
 * `strict` (the default at the API: Bulk Data asks servers to refuse what they do not support unless
 * the client sends `Prefer: handling=lenient`) turns unsupported parameters into errors.
 */
export function parseExportParams(
  raw: RawParams,
  isKnownType: (t: string) => boolean,
  strict: boolean,
  level: ExportLevel = 'system',
): ExportParams {
  const issues: OperationOutcomeIssue[] = [];
  const one = (name: string) => raw[name]?.[raw[name].length - 1];
  const format = one('_outputFormat');
  if (format !== undefined && !OUTPUT_FORMATS.includes(format)) {
    issues.push(
      issue('not-supported', `_outputFormat must be one of ${OUTPUT_FORMATS.join(', ')}`, '_outputFormat'),
    );
  }
  let since: number | undefined;
  const sinceRaw = one('_since');
  if (sinceRaw !== undefined) {
    const r = parseDateRange(sinceRaw);
    if (!r) issues.push(issue('value', '_since must be a FHIR instant', '_since'));
    else since = r.lo;
  }
  const typeList = (raw._type ?? []).flatMap((t) => t.split(',')).filter((t) => t !== '');
  for (const t of typeList)
    if (!isKnownType(t)) issues.push(issue('not-supported', `_type: unknown resource type ${t}`, '_type'));
  const typeFilters = (raw._typeFilter ?? [])
    .flatMap((f) => f.split(/,(?=[A-Z][A-Za-z]+\?)/))
    .filter((f) => f !== '');
  for (const f of typeFilters) {
    const parsed = parseTypeFilter(f);
    issues.push(...parsed.issues);
    if (!isKnownType(parsed.type))
      issues.push(issue('not-supported', `_typeFilter: unknown resource type ${parsed.type}`, '_typeFilter'));
    else if (typeList.length && !typeList.includes(parsed.type)) {
      issues.push(issue('invalid', `_typeFilter type ${parsed.type} is not in _type`, '_typeFilter'));
    }
  }
  const unsupported = Object.keys(raw).filter((k) => !KICKOFF_PARAMS.includes(k));
  // `patient` narrows a Patient or Group export (Bulk Data IG); a system export has no patient list.
  if (raw.patient && level === 'system') unsupported.push('patient');
  if (strict)
    for (const k of unsupported)
      issues.push(
        issue(
          'not-supported',
          `Parameter ${k} is not supported${k === 'patient' ? ' at system level' : ''}`,
          k,
        ),
      );
  const patients = level === 'system' ? [] : patientsOf(raw.patient ?? [], issues);
  const elements = (raw._elements ?? []).flatMap((e) => e.split(',')).filter((e) => e !== '');
  for (const e of elements) {
    const m = /^(?:([A-Z][A-Za-z]+)\.)?([a-z][A-Za-z0-9]*(?:\[x\])?)$/.exec(e);
    if (!m)
      issues.push(issue('value', `_elements: ${e} is not an element name (name or Type.name)`, '_elements'));
    else if (m[1] && !isKnownType(m[1]))
      issues.push(issue('not-supported', `_elements: unknown resource type ${m[1]}`, '_elements'));
  }
  if (issues.length) throw new FhirError(400, issues);
  return {
    types: typeList.length ? [...new Set(typeList)] : undefined,
    since,
    typeFilters,
    ignored: strict ? [] : unsupported,
    ...(patients.length ? { patients } : {}),
    ...(elements.length ? { elements: [...new Set(elements)] } : {}),
  };
}

/** `patient` values (`Patient/<id>`, comma-separated on GET) → ids; anything else is an issue. */
function patientsOf(values: string[], issues: OperationOutcomeIssue[]): string[] {
  const ids: string[] = [];
  for (const v of values.flatMap((x) => x.split(',')).filter((x) => x !== '')) {
    const id = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(v)?.[1];
    if (!id) issues.push(issue('value', 'patient must be a reference Patient/<id>', 'patient'));
    else if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/**
 * The type filters grouped by type: a resource of a filtered type is kept if any filter matches.
 * A `patient` in a filter may be namespaced or as the source sent it.
 */
export function typeFilterMatcher(filters: string[], source: string): (r: StoredResource) => boolean {
  const byType = new Map<string, SearchCriteria[]>();
  for (const f of filters) {
    const { type, criteria } = parseTypeFilter(f);
    if (criteria) byType.set(type, [...(byType.get(type) ?? []), criteria]);
  }
  return (r) => {
    const list = byType.get(r.resource.resourceType);
    if (!list) return true;
    const e = { key: r.key, lu: Date.parse(r.lastUpdated) };
    return list.some(
      (c) =>
        keyMatches(e, c) &&
        bodyMatches(r.resource, c) &&
        (!c.patient || c.patient === r.patient || `${source}.${c.patient}` === r.patient),
    );
  };
}

/** A Group's Patient members visible to the source; every other member is reported. */
export function groupPatients(
  group: Group,
  source: string,
): { patients: string[]; issues: OperationOutcomeIssue[] } {
  const patients: string[] = [];
  const issues: OperationOutcomeIssue[] = [];
  (group.member ?? []).forEach((m, i) => {
    const id = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(m.entity?.reference ?? '')?.[1];
    if (!id || !belongsTo(id, source))
      issues.push(
        issue(
          'not-found',
          `Group.member[${i}] is not a Patient of this source; skipped`,
          `Group.member[${i}].entity`,
          'warning',
        ),
      );
    else if (!patients.includes(id)) patients.push(id);
  });
  return { patients, issues };
}
