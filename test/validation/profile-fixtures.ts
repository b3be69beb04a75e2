/**
 * Minimal valid outputs for the two profiles (the shapes of profiles/README.md), built fresh on each
 * call so tests can mutate them.
 */
import type { DetectedIssue, Extension, MedicationStatement } from '@medplum/fhirtypes';

export const BASE = 'http://bitebridge.dev/fhir';
export const ext = (name: string): string => `${BASE}/StructureDefinition/${name}`;
export const cs = (name: string): string => `${BASE}/CodeSystem/${name}`;
const ug = (value: number, code: 'ug/d' | 'ug/(m2.d)') => ({
  value,
  unit: code === 'ug/d' ? 'ug/d' : 'ug/(m2.d)',
  system: 'http://unitsofmeasure.org',
  code,
});

export function cycleExtension(n = 1): Extension {
  return {
    url: ext('course-cycle'),
    extension: [
      { url: 'number', valuePositiveInt: n },
      { url: 'period', valuePeriod: { start: '2024-01-01', end: '2024-01-29' } },
      { url: 'infusionDays', valueUnsignedInt: 28 },
      {
        url: 'interruption',
        extension: [
          { url: 'period', valuePeriod: { start: '2024-01-10T08:00:00Z', end: '2024-01-12T08:00:00Z' } },
          { url: 'hours', valueDecimal: 48 },
          { url: 'opensNewCycle', valueBoolean: false },
          { url: 'evidence', valueReference: { reference: 'MedicationAdministration/h1.ma-1' } },
        ],
      },
      {
        url: 'doseStep',
        extension: [
          { url: 'period', valuePeriod: { start: '2024-01-01', end: '2024-01-08' } },
          { url: 'rate', valueQuantity: ug(9, 'ug/d') },
        ],
      },
      {
        url: 'response',
        valueCodeableConcept: {
          coding: [{ system: cs('response'), code: 'CR', display: 'Complete remission' }],
        },
      },
      {
        url: 'mrdResponse',
        valueCodeableConcept: {
          coding: [{ system: cs('mrd-response'), code: 'complete', display: 'Complete MRD response' }],
        },
      },
      { url: 'mrdFraction', valueDecimal: 0.00005 },
      { url: 'responseEvidence', valueReference: { reference: 'Observation/h1.mrd-1' } },
      { url: 'infusion', valueReference: { reference: 'MedicationAdministration/h1.ma-1' } },
    ],
  };
}

export function minimalCourse(): MedicationStatement {
  return {
    resourceType: 'MedicationStatement',
    id: 'course-h1.p1-1',
    meta: { profile: [`${BASE}/StructureDefinition/blinatumomab-course`] },
    extension: [
      { url: ext('course-number'), valuePositiveInt: 1 },
      { url: ext('course-indication'), valueCode: 'relapsed-refractory' },
      cycleExtension(1),
      {
        url: ext('course-toxicity-restart'),
        extension: [
          { url: 'at', valueDateTime: '2024-01-15T10:00:00Z' },
          { url: 'from', valueQuantity: ug(28, 'ug/d') },
          { url: 'to', valueQuantity: ug(9, 'ug/d') },
          { url: 'evidence', valueReference: { reference: 'MedicationAdministration/h1.ma-1' } },
        ],
      },
      {
        url: ext('course-link'),
        extension: [
          { url: 'kind', valueCode: 'hsct' },
          { url: 'timing', valueCode: 'after' },
          { url: 'at', valueDateTime: '2024-03-01' },
          { url: 'detail', valueString: 'allogeneic HSCT' },
          { url: 'evidence', valueReference: { reference: 'Procedure/h1.hsct-1' } },
        ],
      },
      // last, so the extension indices the binding rules name stay put
      { url: ext('course-dose-basis'), extension: [{ url: 'basis', valueCode: 'as-charted' }] },
    ],
    identifier: [{ system: `${BASE}/sid/course`, value: 'course-h1.p1-1' }],
    status: 'completed',
    statusReason: [{ coding: [{ system: cs('course-end-reason'), code: 'hsct', display: 'HSCT' }] }],
    medicationCodeableConcept: {
      coding: [
        { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1597258', display: 'blinatumomab' },
      ],
    },
    subject: { reference: 'Patient/h1.p1' },
    effectivePeriod: { start: '2024-01-01', end: '2024-01-29' },
    derivedFrom: [{ reference: 'MedicationAdministration/h1.ma-1' }],
    reasonReference: [{ reference: 'Condition/h1.ball-1' }],
    dosage: [
      {
        sequence: 1,
        text: '9 mcg/day',
        timing: { repeat: { boundsPeriod: { start: '2024-01-01', end: '2024-01-08' } } },
        doseAndRate: [{ rateQuantity: ug(9, 'ug/d') }],
      },
    ],
  };
}

export function minimalFlag(): DetectedIssue {
  return {
    resourceType: 'DetectedIssue',
    id: 'flag-1',
    meta: { profile: [`${BASE}/StructureDefinition/course-flag`] },
    extension: [
      { url: ext('flag-grade'), valuePositiveInt: 3 },
      { url: ext('flag-episode'), valueString: 'cycle-1' },
    ],
    identifier: [{ system: `${BASE}/sid/course-flag`, value: 'flag-1' }],
    status: 'final',
    code: { coding: [{ system: cs('course-flag'), code: 'crs', display: 'Cytokine release syndrome' }] },
    severity: 'high',
    patient: { reference: 'Patient/h1.p1' },
    identifiedDateTime: '2024-01-03T12:00:00Z',
    implicated: [{ reference: 'MedicationStatement/course-h1.p1-1' }],
    evidence: [{ detail: [{ reference: 'Condition/h1.crs-1' }] }],
    detail: 'CRS grade 3 in cycle 1',
  };
}
