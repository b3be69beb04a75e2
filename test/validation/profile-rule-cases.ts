/**
 * One mutation per rule of the blinatumomab-course and course-flag profiles, each breaking that rule
 * only (invariant key, element cardinality, pattern, slice or terminology), with the issue it must
 * give. profile-rules.test.ts proves each is enforced; compiled-profiles.test.ts proves the compiled
 * output gate answers each exactly as @medplum/core does.
 */
import type { DetectedIssue, Extension, MedicationStatement } from '@medplum/fhirtypes';
import { BASE, cs, cycleExtension, ext } from './profile-fixtures';

export type Expect = { invariant: string } | { expression: string; code: string };
export interface Rule<T> {
  rule: string;
  mutate: (r: T) => void;
  expect: Expect;
}

const byUrl = (r: { extension?: Extension[] }, name: string): Extension =>
  (r.extension ?? []).find((e) => e.url === ext(name)) as Extension;
const sub = (e: Extension, url: string): Extension =>
  (e.extension ?? []).find((s) => s.url === url) as Extension;
const drop = (e: Extension, url: string): void => {
  e.extension = (e.extension ?? []).filter((s) => s.url !== url);
};
const set = (target: object, key: string, value: unknown): void => {
  (target as Record<string, unknown>)[key] = value;
};

export const courseRules: Rule<MedicationStatement>[] = [
  {
    rule: 'bbc-1',
    mutate: (c) => set(c.identifier![0], 'system', 'urn:other'),
    expect: { invariant: 'bbc-1' },
  },
  { rule: 'bbc-2', mutate: (c) => set(c, 'status', 'intended'), expect: { invariant: 'bbc-2' } },
  {
    rule: 'bbc-3',
    mutate: (c) => set(c.medicationCodeableConcept!.coding![0], 'code', '1597262'),
    expect: { invariant: 'bbc-3' },
  },
  {
    rule: 'bbc-4',
    mutate: (c) => set(c, 'subject', { reference: 'Group/g1' }),
    expect: { invariant: 'bbc-4' },
  },
  {
    rule: 'bbc-5',
    mutate: (c) => set(c, 'effectivePeriod', { end: '2024-01-29' }),
    expect: { invariant: 'bbc-5' },
  },
  {
    rule: 'bbc-6',
    mutate: (c) => set(c, 'derivedFrom', [{ reference: 'Observation/o1' }]),
    expect: { invariant: 'bbc-6' },
  },
  {
    rule: 'bbc-7',
    mutate: (c) => set(c, 'reasonReference', [{ reference: 'Observation/o1' }]),
    expect: { invariant: 'bbc-7' },
  },
  { rule: 'bbc-8', mutate: (c) => set(c, 'status', 'active'), expect: { invariant: 'bbc-8' } },
  { rule: 'bbc-9', mutate: (c) => delete c.statusReason, expect: { invariant: 'bbc-9' } },
  {
    rule: 'bbc-9 (end)',
    mutate: (c) => set(c, 'effectivePeriod', { start: '2024-01-01' }),
    expect: { invariant: 'bbc-9' },
  },
  {
    rule: 'bbc-10',
    mutate: (c) => c.extension!.push({ url: ext('course-number'), valuePositiveInt: 2 }),
    expect: { invariant: 'bbc-10' },
  },
  {
    rule: 'bbc-10 (type)',
    mutate: (c) => {
      const n = byUrl(c, 'course-number');
      delete n.valuePositiveInt;
      n.valueString = '1';
    },
    expect: { invariant: 'bbc-10' },
  },
  {
    rule: 'bbc-11',
    mutate: (c) =>
      set(
        c,
        'extension',
        c.extension!.filter((e) => e.url !== ext('course-indication')),
      ),
    expect: { invariant: 'bbc-11' },
  },
  {
    rule: 'bbc-12',
    mutate: (c) => drop(byUrl(c, 'course-cycle'), 'response'),
    expect: { invariant: 'bbc-12' },
  },
  {
    rule: 'bbc-12 (mrdFraction)',
    mutate: (c) => set(sub(byUrl(c, 'course-cycle'), 'mrdFraction'), 'valueDecimal', 2),
    expect: { invariant: 'bbc-12' },
  },
  {
    rule: 'bbc-12 (infusion)',
    mutate: (c) =>
      set(sub(byUrl(c, 'course-cycle'), 'infusion'), 'valueReference', { reference: 'Observation/o1' }),
    expect: { invariant: 'bbc-12' },
  },
  {
    rule: 'bbc-12 (no infusion)',
    mutate: (c) => drop(byUrl(c, 'course-cycle'), 'infusion'),
    expect: { invariant: 'bbc-12' },
  },
  {
    rule: 'bbc-19',
    mutate: (c) => set(sub(byUrl(c, 'course-dose-basis'), 'basis'), 'valueCode', 'per-m2-bsa'),
    expect: { invariant: 'bbc-19' },
  },
  {
    rule: 'bbc-19 (BSA without per-m2 basis)',
    mutate: (c) =>
      byUrl(c, 'course-dose-basis').extension!.push({
        url: 'bsa',
        valueQuantity: { value: 0.77, unit: 'm2', system: 'http://unitsofmeasure.org', code: 'm2' },
      }),
    expect: { invariant: 'bbc-19' },
  },
  {
    rule: 'bbc-19 (missing)',
    mutate: (c) => {
      c.extension = c.extension!.filter((e) => e.url !== `${BASE}/StructureDefinition/course-dose-basis`);
    },
    expect: { invariant: 'bbc-19' },
  },
  {
    rule: 'bbc-20',
    mutate: (c) => byUrl(c, 'course-cycle').extension!.push({ url: 'mrdComparator', valueCode: '~' }),
    expect: { invariant: 'bbc-20' },
  },
  {
    rule: 'bbc-20 (sensitivity)',
    mutate: (c) => byUrl(c, 'course-cycle').extension!.push({ url: 'mrdSensitivity', valueDecimal: 5 }),
    expect: { invariant: 'bbc-20' },
  },
  { rule: 'bbc-13', mutate: (c) => c.extension!.push(cycleExtension(1)), expect: { invariant: 'bbc-13' } },
  {
    rule: 'bbc-14',
    mutate: (c) => drop(sub(byUrl(c, 'course-cycle'), 'interruption'), 'hours'),
    expect: { invariant: 'bbc-14' },
  },
  {
    rule: 'bbc-15',
    mutate: (c) => set(sub(sub(byUrl(c, 'course-cycle'), 'doseStep'), 'rate').valueQuantity!, 'code', 'mg/d'),
    expect: { invariant: 'bbc-15' },
  },
  {
    rule: 'bbc-16',
    mutate: (c) => drop(byUrl(c, 'course-toxicity-restart'), 'evidence'),
    expect: { invariant: 'bbc-16' },
  },
  { rule: 'bbc-17', mutate: (c) => drop(byUrl(c, 'course-link'), 'timing'), expect: { invariant: 'bbc-17' } },
  { rule: 'bbc-18', mutate: (c) => delete c.dosage![0].sequence, expect: { invariant: 'bbc-18' } },
  {
    rule: 'identifier 1..*',
    mutate: (c) => delete c.identifier,
    expect: { code: 'required', expression: 'MedicationStatement.identifier' },
  },
  {
    rule: 'derivedFrom 1..*',
    mutate: (c) => delete c.derivedFrom,
    expect: { code: 'required', expression: 'MedicationStatement.derivedFrom' },
  },
  {
    rule: 'effective[x] 1..1',
    mutate: (c) => delete c.effectivePeriod,
    expect: { code: 'required', expression: 'MedicationStatement.effective[x]' },
  },
  {
    rule: 'statusReason 0..1',
    mutate: (c) => c.statusReason!.push({ coding: [{ system: cs('course-end-reason'), code: 'toxicity' }] }),
    expect: { code: 'structure', expression: 'MedicationStatement.statusReason' },
  },
  {
    rule: 'medication[x] pattern',
    mutate: (c) => set(c.medicationCodeableConcept!.coding![0], 'system', 'urn:other'),
    expect: { code: 'value', expression: 'MedicationStatement.medication[x]' },
  },
  {
    rule: 'course-number slice 1..1',
    mutate: (c) =>
      set(
        c,
        'extension',
        c.extension!.filter((e) => e.url !== ext('course-number')),
      ),
    expect: { code: 'required', expression: 'MedicationStatement.extension' },
  },
  {
    rule: 'binding course-end-reason',
    mutate: (c) => set(c.statusReason![0].coding![0], 'code', 'boredom'),
    expect: { code: 'code-invalid', expression: 'MedicationStatement.statusReason[0].coding[0]' },
  },
  {
    rule: 'binding course-end-reason (display)',
    mutate: (c) => set(c.statusReason![0].coding![0], 'display', 'Toxicity'),
    expect: { code: 'code-invalid', expression: 'MedicationStatement.statusReason[0].coding[0]' },
  },
  {
    rule: 'binding course-indication',
    mutate: (c) => set(byUrl(c, 'course-indication'), 'valueCode', 'frontline'),
    expect: { code: 'code-invalid', expression: 'MedicationStatement.extension[1].valueCode' },
  },
  {
    rule: 'binding response',
    mutate: (c) =>
      set(sub(byUrl(c, 'course-cycle'), 'response').valueCodeableConcept!.coding![0], 'code', 'PR'),
    expect: {
      code: 'code-invalid',
      expression: 'MedicationStatement.extension[2].extension[5].valueCodeableConcept.coding[0]',
    },
  },
  {
    rule: 'binding response (no coding from the ValueSet)',
    mutate: (c) => set(sub(byUrl(c, 'course-cycle'), 'response'), 'valueCodeableConcept', { text: 'CR' }),
    expect: {
      code: 'code-invalid',
      expression: 'MedicationStatement.extension[2].extension[5].valueCodeableConcept',
    },
  },
  {
    rule: 'binding mrd-response',
    mutate: (c) =>
      set(sub(byUrl(c, 'course-cycle'), 'mrdResponse').valueCodeableConcept!.coding![0], 'code', 'negative'),
    expect: {
      code: 'code-invalid',
      expression: 'MedicationStatement.extension[2].extension[6].valueCodeableConcept.coding[0]',
    },
  },
  {
    rule: 'binding course-link-kind',
    mutate: (c) => set(sub(byUrl(c, 'course-link'), 'kind'), 'valueCode', 'surgery'),
    expect: { code: 'code-invalid', expression: 'MedicationStatement.extension[4].extension[0].valueCode' },
  },
  {
    rule: 'binding course-link-timing',
    mutate: (c) => set(sub(byUrl(c, 'course-link'), 'timing'), 'valueCode', 'later'),
    expect: { code: 'code-invalid', expression: 'MedicationStatement.extension[4].extension[1].valueCode' },
  },
  {
    rule: 'base R4 binding',
    mutate: (c) => set(c, 'status', 'done'),
    expect: { code: 'code-invalid', expression: 'MedicationStatement.status' },
  },
];

export const flagRules: Rule<DetectedIssue>[] = [
  {
    rule: 'bbf-1',
    mutate: (f) => set(f.identifier![0], 'system', 'urn:other'),
    expect: { invariant: 'bbf-1' },
  },
  { rule: 'bbf-2', mutate: (f) => set(f, 'status', 'preliminary'), expect: { invariant: 'bbf-2' } },
  {
    rule: 'bbf-3',
    mutate: (f) => set(f.code!.coding![0], 'system', 'urn:other'),
    expect: { invariant: 'bbf-3' },
  },
  {
    rule: 'bbf-4',
    mutate: (f) => set(f, 'patient', { reference: 'Group/g1' }),
    expect: { invariant: 'bbf-4' },
  },
  {
    rule: 'bbf-5',
    mutate: (f) => {
      delete f.identifiedDateTime;
      f.identifiedPeriod = { start: '2024-01-03' };
    },
    expect: { invariant: 'bbf-5' },
  },
  {
    rule: 'bbf-6',
    mutate: (f) => set(f, 'implicated', [{ reference: 'Observation/o1' }]),
    expect: { invariant: 'bbf-6' },
  },
  {
    rule: 'bbf-7',
    mutate: (f) => set(f, 'evidence', [{ code: [{ text: 'x' }] }]),
    expect: { invariant: 'bbf-7' },
  },
  {
    rule: 'bbf-8',
    mutate: (f) =>
      set(
        f,
        'extension',
        f.extension!.filter((e) => e.url !== ext('flag-episode')),
      ),
    expect: { invariant: 'bbf-8' },
  },
  {
    rule: 'bbf-9',
    mutate: (f) => f.extension!.push({ url: ext('flag-grade'), valuePositiveInt: 2 }),
    expect: { invariant: 'bbf-9' },
  },
  {
    rule: 'severity 1..1',
    mutate: (f) => delete f.severity,
    expect: { code: 'required', expression: 'DetectedIssue.severity' },
  },
  {
    rule: 'patient 1..1',
    mutate: (f) => delete f.patient,
    expect: { code: 'required', expression: 'DetectedIssue.patient' },
  },
  {
    rule: 'detail 1..1',
    mutate: (f) => delete f.detail,
    expect: { code: 'required', expression: 'DetectedIssue.detail' },
  },
  {
    rule: 'code 1..1',
    mutate: (f) => delete f.code,
    expect: { code: 'required', expression: 'DetectedIssue.code' },
  },
  {
    rule: 'identifier 1..*',
    mutate: (f) => delete f.identifier,
    expect: { code: 'required', expression: 'DetectedIssue.identifier' },
  },
  {
    rule: 'evidence 1..*',
    mutate: (f) => delete f.evidence,
    expect: { code: 'required', expression: 'DetectedIssue.evidence' },
  },
  {
    rule: 'implicated 1..1',
    mutate: (f) => f.implicated!.push({ reference: 'MedicationStatement/other' }),
    expect: { code: 'structure', expression: 'DetectedIssue.implicated' },
  },
  {
    rule: 'binding course-flag',
    mutate: (f) => set(f.code!.coding![0], 'code', 'sepsis'),
    expect: { code: 'code-invalid', expression: 'DetectedIssue.code.coding[0]' },
  },
  {
    rule: 'binding course-flag (display)',
    mutate: (f) => set(f.code!.coding![0], 'display', 'CRS'),
    expect: { code: 'code-invalid', expression: 'DetectedIssue.code.coding[0]' },
  },
  {
    rule: 'base R4 binding',
    mutate: (f) => set(f, 'severity', 'critical'),
    expect: { code: 'code-invalid', expression: 'DetectedIssue.severity' },
  },
];
