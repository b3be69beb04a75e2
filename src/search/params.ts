/**
 * Search parameters: the FHIR query string parsed into criteria the walker and the matcher apply.
 * Supported: `_id`, `_lastUpdated` (prefixes eq/gt/ge/lt/le/sa/eb, repeatable = AND), `patient` /
 * `subject` (reference or id), `code` (token `system|code`, `|code`, `system|`, `code`; matches
 * `code.coding` and `medicationCodeableConcept.coding`), `_count`, `_offset` (paging cursor),
 * `_sort` (`_lastUpdated` / `-_lastUpdated`). Anything else is reported back as unknown.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../fhir/outcome';
import { isPatientLinked } from './resource-types';
import { ALL_TIME, intersect, prefixedDateWindow, type Window } from './dates';

export interface TokenCriterion {
  /** undefined: any system; '': no system. */
  system?: string;
  /** undefined: any code in the system. */
  code?: string;
}

export interface SearchCriteria {
  type: string;
  /** `_id` values (any of). */
  ids?: string[];
  /** The patient id the search is restricted to (as given, without `Patient/`). */
  patient?: string;
  /** `code` tokens (any of); several `code` parameters must all match. */
  codes?: TokenCriterion[][];
  /** Provenance `target` references (any of): `Type/id` or `Type/id/_history/v`. */
  targets?: string[];
  lastUpdated: Window;
  count: number;
  offset: number;
  sort: 'asc' | 'desc';
  /**
   * MedicationStatement and DetectedIssue only: derived outputs (courses, flags; the default), the
   * hospitals' own resources of that type (`source`), or both (`any`). Parameter `origin`.
   */
  origin?: Origin;
  /** `_summary=count`: the total only, no entries. */
  summaryCount?: boolean;
  /** `_elements`: top-level elements to keep (plus resourceType, id, meta). */
  elements?: string[];
  /** `_include=DetectedIssue:implicated`: add each flag's course. */
  includeImplicated?: boolean;
}

export type Origin = 'derived' | 'source' | 'any';
/** Types whose derived outputs are kept apart from the hospitals' own resources of the type. */
export const DERIVED_TYPES = new Set(['MedicationStatement', 'DetectedIssue']);

export interface ParsedSearch {
  criteria: SearchCriteria;
  /** Parameter names not supported for this type (reported, or 400 under strict handling). */
  unknown: string[];
  /** Malformed values: always a 400. */
  invalid: OperationOutcomeIssue[];
}

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 1000;

/** Types whose `code` search parameter this server matches. */
export const CODE_TYPES = new Set([
  'MedicationStatement',
  'MedicationAdministration',
  'MedicationRequest',
  'DetectedIssue',
  'Observation',
  'Condition',
  'Procedure',
]);
/** Accepted everywhere and without effect on the result. */
const HARMLESS = new Set(['_format', '_pretty', '_total']);

export function supportedParams(type: string): string[] {
  const p = ['_id', '_lastUpdated', '_count', '_offset', '_sort', '_summary', '_elements'];
  if (isPatientLinked(type)) p.push('patient', 'subject');
  if (CODE_TYPES.has(type)) p.push('code');
  if (DERIVED_TYPES.has(type)) p.push('origin');
  if (type === 'DetectedIssue') p.push('_include');
  if (type === 'Provenance') p.push('target');
  return p;
}

/** An element name as `_elements` accepts it (top-level names only). */
const ELEMENT_NAME = /^[a-z][A-Za-z0-9]{0,63}(\[x\])?$/;

export type Query = Record<string, string | string[] | undefined>;

function values(q: Query, name: string): string[] {
  const v = q[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).filter((x) => x !== '');
}

export function parseToken(value: string): TokenCriterion {
  const bar = value.indexOf('|');
  if (bar < 0) return { code: value };
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  return { system, code: code === '' ? undefined : code };
}

function patientIdOf(ref: string): string {
  return ref.startsWith('Patient/') ? ref.slice('Patient/'.length) : ref;
}

export function parseSearch(type: string, q: Query): ParsedSearch {
  const supported = new Set(supportedParams(type));
  const invalid: OperationOutcomeIssue[] = [];
  const unknown = Object.keys(q).filter((k) => k.includes(':') || !(supported.has(k) || HARMLESS.has(k)));
  const criteria: SearchCriteria = {
    type,
    lastUpdated: ALL_TIME,
    count: DEFAULT_COUNT,
    offset: 0,
    sort: 'asc',
  };

  const ids = values(q, '_id');
  if (ids.length) criteria.ids = ids;

  for (const v of values(q, '_lastUpdated')) {
    const w = prefixedDateWindow(v);
    if (!w)
      invalid.push(
        issue(
          'value',
          `_lastUpdated: '${v}' is not a FHIR date with an optional prefix eq|gt|ge|lt|le|sa|eb`,
          '_lastUpdated',
        ),
      );
    else criteria.lastUpdated = intersect(criteria.lastUpdated, w);
  }

  if (supported.has('patient')) {
    const refs = [...values(q, 'patient'), ...values(q, 'subject')].map(patientIdOf);
    const distinct = [...new Set(refs)];
    if (distinct.length > 1)
      invalid.push(issue('not-supported', 'Only one patient per search is supported', 'patient'));
    else if (distinct.length === 1) criteria.patient = distinct[0];
  }

  if (supported.has('code')) {
    const raw = q.code === undefined ? [] : Array.isArray(q.code) ? q.code : [q.code];
    const groups = raw
      .map((r) =>
        r
          .split(',')
          .filter((x) => x !== '')
          .map(parseToken),
      )
      .filter((g) => g.length);
    if (groups.length) criteria.codes = groups;
  }

  if (supported.has('target')) {
    const targets = values(q, 'target');
    for (const t of targets)
      if (!/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.test(t))
        invalid.push(issue('value', 'target must be Type/id or Type/id/_history/version', 'target'));
    if (targets.length) criteria.targets = targets;
  }

  const count = values(q, '_count')[0];
  if (count !== undefined) {
    const n = Number(count);
    if (!Number.isInteger(n) || n < 0)
      invalid.push(issue('value', '_count must be a non-negative integer', '_count'));
    else criteria.count = Math.min(n, MAX_COUNT);
  }
  const offset = values(q, '_offset')[0];
  if (offset !== undefined) {
    const n = Number(offset);
    if (!Number.isInteger(n) || n < 0)
      invalid.push(issue('value', '_offset must be a non-negative integer', '_offset'));
    else criteria.offset = n;
  }
  const summary = values(q, '_summary');
  if (summary.length) {
    if (summary.length > 1 || !['count', 'false'].includes(summary[0]))
      invalid.push(issue('not-supported', '_summary supports only count (or false)', '_summary'));
    else criteria.summaryCount = summary[0] === 'count';
  }
  const elements = values(q, '_elements');
  if (elements.length) {
    const bad = elements.filter((e) => !ELEMENT_NAME.test(e));
    if (bad.length)
      invalid.push(
        issue('not-supported', '_elements takes top-level element names, e.g. code,status', '_elements'),
      );
    else criteria.elements = elements;
  }
  if (supported.has('_include')) {
    const inc = values(q, '_include');
    if (inc.some((v) => v !== 'DetectedIssue:implicated'))
      invalid.push(issue('not-supported', '_include supports only DetectedIssue:implicated', '_include'));
    else if (inc.length) criteria.includeImplicated = true;
  }
  if (supported.has('origin')) {
    const origin = values(q, 'origin');
    if (origin.length > 1 || (origin.length && !['derived', 'source', 'any'].includes(origin[0])))
      invalid.push(issue('value', 'origin must be derived (the default), source or any', 'origin'));
    else criteria.origin = (origin[0] as Origin | undefined) ?? 'derived';
  }

  const sort = values(q, '_sort');
  if (sort.length) {
    if (sort.length > 1 || !['_lastUpdated', '-_lastUpdated'].includes(sort[0])) {
      invalid.push(issue('not-supported', '_sort supports only _lastUpdated or -_lastUpdated', '_sort'));
    } else criteria.sort = sort[0].startsWith('-') ? 'desc' : 'asc';
  }
  return { criteria, unknown, invalid };
}
