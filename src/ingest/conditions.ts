/**
 * Conditional writes: If-Match, If-None-Match (HTTP headers of a single-resource request, or
 * `Bundle.entry.request.ifMatch/ifNoneMatch/ifNoneExist`), and If-None-Exist (conditional create).
 * Versions are ours (the ETag we hand out, `W/"3"`). If-None-Exist supports exactly one search
 * parameter, `identifier=system|value`, matched within the sender's own resources of that type.
 * Pure string handling: no regex that can backtrack on sender text.
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { issue } from '../fhir/outcome';
import type { EntryConditions } from '../store/store';

export interface RawConditions {
  ifMatch?: unknown;
  ifNoneMatch?: unknown;
  ifNoneExist?: unknown;
}

const MAX_TOKEN = 512;

/** `W/"3"`, `"3"` or `3` → `3`; undefined when it is not a version we could have issued. */
export function versionOfEtag(etag: string): string | undefined {
  let v = etag.trim();
  if (v.startsWith('W/')) v = v.slice(2);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  return v.length > 0 && v.length <= 20 && [...v].every((c) => c >= '0' && c <= '9') ? v : undefined;
}

function identifierToken(source: string, type: string, system: string, value: string): string {
  return `${source}|${type}|${system}|${value}`;
}

/** Index tokens of a resource's identifiers (namespaced by source and type). */
export function identifierTokens(resource: Resource, source: string): string[] {
  const raw = (resource as { identifier?: unknown }).identifier;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const out: string[] = [];
  for (const id of list) {
    const { system, value } = (id ?? {}) as { system?: unknown; value?: unknown };
    if (typeof value !== 'string' || (system !== undefined && typeof system !== 'string')) continue;
    const token = identifierToken(source, resource.resourceType, system ?? '', value);
    if (token.length <= MAX_TOKEN && !token.includes('\n')) out.push(token);
  }
  return out;
}

/**
 * Parses one entry's conditions. `at` names where they came from in issues (a header or
 * `Bundle.entry[i].request`).
 */
export function parseConditions(
  raw: RawConditions,
  source: string,
  type: string,
  at: (field: string) => string,
): { conditions?: EntryConditions; issues: OperationOutcomeIssue[] } {
  const issues: OperationOutcomeIssue[] = [];
  const c: EntryConditions = {};
  const str = (v: unknown, field: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v.length <= MAX_TOKEN) return v;
    issues.push(issue('value', `${field} must be a string of at most ${MAX_TOKEN} characters`, at(field)));
    return undefined;
  };
  const ifMatch = str(raw.ifMatch, 'ifMatch');
  if (ifMatch !== undefined) {
    const v = versionOfEtag(ifMatch);
    if (v) c.ifMatch = v;
    else issues.push(issue('value', 'If-Match must be an ETag we issued, e.g. W/"3"', at('ifMatch')));
  }
  const ifNoneMatch = str(raw.ifNoneMatch, 'ifNoneMatch');
  if (ifNoneMatch !== undefined) {
    const v = ifNoneMatch.trim() === '*' ? '*' : versionOfEtag(ifNoneMatch);
    if (v) c.ifNoneMatch = v;
    else issues.push(issue('value', 'If-None-Match must be * or an ETag, e.g. W/"3"', at('ifNoneMatch')));
  }
  const ifNoneExist = str(raw.ifNoneExist, 'ifNoneExist');
  if (ifNoneExist !== undefined) {
    const q = ifNoneExist.startsWith('?') ? ifNoneExist.slice(1) : ifNoneExist;
    const eq = q.indexOf('=');
    const name = eq < 0 ? '' : q.slice(0, eq);
    let value = '';
    try {
      value = decodeURIComponent(q.slice(eq + 1));
    } catch {
      value = '';
    }
    const bar = value.indexOf('|');
    if (name !== 'identifier' || q.includes('&') || bar < 0 || bar === value.length - 1) {
      issues.push(
        issue(
          'not-supported',
          'If-None-Exist supports one parameter: identifier=<system>|<value>',
          at('ifNoneExist'),
        ),
      );
    } else {
      c.ifNoneExist = identifierToken(source, type, value.slice(0, bar), value.slice(bar + 1));
    }
  }
  return { conditions: Object.keys(c).length ? c : undefined, issues };
}
