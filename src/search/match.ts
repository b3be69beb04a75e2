/**
 * Matching stored resources against search criteria. `keyMatches` decides from the index alone
 * (type, id, last-updated score) so the walker reads bodies only when a body criterion (`code`) is
 * present; `bodyMatches` checks the rest on the resource.
 */
import type { Coding, Resource } from '@medplum/fhirtypes';
import type { SearchCriteria, TokenCriterion } from './params';

export interface IndexEntry {
  /** `Type/id` */
  key: string;
  /** Last-updated ms (the index score). */
  lu: number;
}

export function splitKey(key: string): { type: string; id: string } {
  const slash = key.indexOf('/');
  return { type: key.slice(0, slash), id: key.slice(slash + 1) };
}

export function keyMatches(e: IndexEntry, c: Pick<SearchCriteria, 'type' | 'ids' | 'lastUpdated'>): boolean {
  const { type, id } = splitKey(e.key);
  if (type !== c.type) return false;
  if (c.ids && !c.ids.includes(id)) return false;
  return e.lu >= c.lastUpdated.min && e.lu <= c.lastUpdated.max;
}

function codingsOf(r: Resource): Coding[] {
  const x = r as { code?: { coding?: Coding[] }; medicationCodeableConcept?: { coding?: Coding[] } };
  return [...(x.code?.coding ?? []), ...(x.medicationCodeableConcept?.coding ?? [])];
}

export function tokenMatches(coding: Coding, t: TokenCriterion): boolean {
  if (t.system !== undefined) {
    if (t.system === '' ? coding.system !== undefined : coding.system !== t.system) return false;
  }
  return t.code === undefined || coding.code === t.code;
}

/** True when the resource satisfies every body criterion (each `code` group: any of its tokens). */
export function bodyMatches(r: Resource, c: Pick<SearchCriteria, 'codes' | 'targets'>): boolean {
  if (c.targets && !targetMatches(r, c.targets)) return false;
  if (!c.codes) return true;
  const codings = codingsOf(r);
  return c.codes.every((group) => group.some((t) => codings.some((cd) => tokenMatches(cd, t))));
}

export function needsBody(c: Pick<SearchCriteria, 'codes' | 'origin' | 'targets'>): boolean {
  return !!c.codes || !!c.targets || (c.origin !== undefined && c.origin !== 'any');
}

/** Derived outputs and source resources of the same type are told apart by where they are stored. */
export function originMatches(r: { derived?: boolean }, c: Pick<SearchCriteria, 'origin'>): boolean {
  if (c.origin === undefined || c.origin === 'any') return true;
  return c.origin === 'derived' ? !!r.derived : !r.derived;
}

/** A Provenance target matches `Type/id` at any version, or exactly `Type/id/_history/v`. */
function targetMatches(r: Resource, targets: string[]): boolean {
  const refs = ((r as { target?: Array<{ reference?: string }> }).target ?? []).map((t) => t.reference ?? '');
  return refs.some((ref) => targets.some((t) => ref === t || ref.startsWith(`${t}/_history/`)));
}

/** Stable order: by last-updated, then key. */
export function compareEntries(a: IndexEntry, b: IndexEntry): number {
  return a.lu - b.lu || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

export function pageOf<T extends IndexEntry>(
  entries: T[],
  c: Pick<SearchCriteria, 'sort' | 'offset' | 'count'>,
): T[] {
  const sorted = [...entries].sort(compareEntries);
  if (c.sort === 'desc') sorted.reverse();
  return sorted.slice(c.offset, c.offset + c.count);
}
