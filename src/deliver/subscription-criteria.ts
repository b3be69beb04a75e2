/**
 * Subscription criteria (`DetectedIssue?code=crs`, `MedicationStatement?patient=Patient/p1`):
 * parsed and matched with @medplum/core's search request model, over the outputs this server
 * derives. A `patient`/`subject` value is namespaced by the subscriber's source, as in search.
 */
import {
  getSearchParameter,
  indexSearchParameterBundle,
  matchesSearchRequest,
  parseSearchRequest,
  type SearchRequest,
} from '@medplum/core';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { belongsTo, namespacedId } from '../identity';
import { readDefinitions } from '../validation/definition-files';
import { loadFhirDefinitions } from '../validation/fhir-definitions';

export const SUBSCRIBABLE_TYPES = ['DetectedIssue', 'MedicationStatement'];

let indexed = false;
function indexSearchParameters(): void {
  if (indexed) return;
  loadFhirDefinitions();
  indexSearchParameterBundle(readDefinitions('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  indexed = true;
}

/** The criteria with the patient namespaced, or a reason it cannot be used. */
export function parseCriteria(criteria: unknown, source: string): { criteria: string } | { error: string } {
  if (typeof criteria !== 'string' || criteria.length > 1000) return { error: 'criteria must be a string' };
  const q = criteria.indexOf('?');
  const type = q < 0 ? criteria : criteria.slice(0, q);
  if (!SUBSCRIBABLE_TYPES.includes(type))
    return { error: `criteria must start with ${SUBSCRIBABLE_TYPES.join(' or ')}` };
  indexSearchParameters();
  const params = new URLSearchParams(q < 0 ? '' : criteria.slice(q + 1));
  const out = new URLSearchParams();
  for (const [name, value] of params) {
    const code = name.split(':')[0];
    if (!getSearchParameter(type, code))
      return { error: `criteria: ${type} has no search parameter ${code}` };
    if (code === 'patient' || code === 'subject') {
      const id = value.replace(/^Patient\//, '');
      if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) return { error: `criteria: ${code} must be Patient/<id>` };
      out.append(name, `Patient/${belongsTo(id, source) ? id : namespacedId(source, id)}`);
    } else out.append(name, value);
  }
  const text = `${type}${[...out].length ? `?${out.toString()}` : ''}`;
  try {
    parseSearchRequest(text);
  } catch {
    return { error: 'criteria is not a valid search' };
  }
  return { criteria: text };
}

export function criteriaMatch(criteria: string, r: Resource): boolean {
  indexSearchParameters();
  const req: SearchRequest = parseSearchRequest(criteria);
  return req.resourceType === r.resourceType && matchesSearchRequest(r, req);
}
