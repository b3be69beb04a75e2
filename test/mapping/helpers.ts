/** Shared fixtures for the mapping tests: the shipped mappings and minimal resource builders. */
import { join } from 'node:path';
import type { CodeableConcept, Coding, Resource } from '@medplum/fhirtypes';
import type { ClinicalEvent } from '../../src/domain/events';
import {
  loadMappings,
  mapResource,
  referencesToResolve,
  type MappingContext,
  type MappingResult,
} from '../../src/mapping';

export const REPO = join(__dirname, '..', '..');
export const MAPPINGS_DIR = join(REPO, 'mappings');
export const mappings = loadMappings(MAPPINGS_DIR);

export const SCT = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const ICDO3 = 'http://terminology.hl7.org/CodeSystem/icd-o-3';
export const ATC = 'http://www.whocc.no/atc';
export const NDC = 'http://hl7.org/fhir/sid/ndc';
export const HGNC = 'http://www.genenames.org/geneId';
export const UCUM = 'http://unitsofmeasure.org';

export function ctx(extra: Partial<MappingContext> = {}): MappingContext {
  return { source: 'test-hospital', mappings, ...extra };
}

/**
 * `resolve` as the ingest worker provides it: it fetched only `referencesToResolve(resource)`, so a
 * mapper asking for any other reference would find nothing there. Each such request is recorded in
 * `unlisted` (a throw would be caught by mapResource and only turn into an error status).
 */
export function workerResolve(
  resource: Resource,
  resolve: MappingContext['resolve'],
  unlisted: string[],
): MappingContext['resolve'] {
  if (!resolve) return undefined;
  const fetched = referencesToResolve(resource);
  return (ref) => {
    if (!fetched.includes(ref)) unlisted.push(`${resource.resourceType}/${resource.id} → ${ref}`);
    return resolve(ref);
  };
}

export function map(resource: unknown, extra: Partial<MappingContext> = {}): MappingResult {
  const unlisted: string[] = [];
  const r = resource as Resource;
  const result = mapResource(r, ctx({ ...extra, resolve: workerResolve(r, extra.resolve, unlisted) }));
  expect(unlisted).toEqual([]);
  return result;
}

export const cc = (system: string, code: string, display?: string): CodeableConcept => ({
  coding: [{ system, code, ...(display ? { display } : {}) } as Coding],
});
export const text = (t: string): CodeableConcept => ({ text: t });
export const qty = (value: number, code?: string, comparator?: string) => ({
  value,
  ...(comparator ? { comparator } : {}),
  ...(code !== undefined ? { unit: code, system: UCUM, code } : {}),
});

export function observation(
  code: CodeableConcept,
  value: Record<string, unknown>,
  more: Record<string, unknown> = {},
) {
  return {
    resourceType: 'Observation',
    id: 'obs1',
    status: 'final',
    code,
    subject: { reference: 'Patient/src.p1' },
    effectiveDateTime: '2024-03-01T08:00:00Z',
    ...value,
    ...more,
  };
}

export function condition(code: CodeableConcept, more: Record<string, unknown> = {}) {
  return {
    resourceType: 'Condition',
    id: 'cond1',
    code,
    subject: { reference: 'Patient/src.p1' },
    onsetDateTime: '2024-02-01',
    ...more,
  };
}

export function administration(medication: CodeableConcept, more: Record<string, unknown> = {}) {
  return {
    resourceType: 'MedicationAdministration',
    id: 'ma1',
    status: 'completed',
    medicationCodeableConcept: medication,
    subject: { reference: 'Patient/src.p1' },
    effectivePeriod: { start: '2024-03-01T08:00:00Z', end: '2024-03-02T08:00:00Z' },
    ...more,
  };
}

export function procedure(code: CodeableConcept, more: Record<string, unknown> = {}) {
  return {
    resourceType: 'Procedure',
    id: 'proc1',
    status: 'completed',
    code,
    subject: { reference: 'Patient/src.p1' },
    performedDateTime: '2024-04-01',
    ...more,
  };
}

/** The only event of a mapped result (fails the test otherwise). */
export function only(r: MappingResult): ClinicalEvent {
  if (r.status !== 'mapped' || r.events.length !== 1) {
    throw new Error(
      `expected one mapped event, got ${r.status} ${JSON.stringify(r.events)} ${JSON.stringify(r.issues)}`,
    );
  }
  return r.events[0];
}

/** Event fields without the envelope (id, patient, source, times), for compact expectations. */
export function body(e: ClinicalEvent): Record<string, unknown> {
  const { eventId: _i, patient: _p, source: _s, at: _a, end: _e, ...rest } = e;
  return rest;
}
