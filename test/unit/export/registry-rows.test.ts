import type { DetectedIssue, Extension, MedicationStatement } from '@medplum/fhirtypes';
import { registryColumns } from '../../../src/export/registry-export';
import {
  bestResponse,
  compareRows,
  courseRow,
  csvHeader,
  csvLine,
  flagRow,
  localDate,
  utcInstant,
  type Row,
} from '../../../src/export/registry-rows';
import { getJsonSchema } from '../../../src/validation';

const SD = 'http://bitebridge.dev/fhir/StructureDefinition';
const CS = 'http://bitebridge.dev/fhir/CodeSystem';
const ref = (reference: string) => ({ url: 'evidence', valueReference: { reference } });
const cycle = (n: number, response: string, mrd: string, extra: Extension[] = []): Extension => ({
  url: `${SD}/course-cycle`,
  extension: [
    { url: 'number', valuePositiveInt: n },
    { url: 'period', valuePeriod: { start: `2024-0${n}-01` } },
    { url: 'infusionDays', valueUnsignedInt: 28 },
    { url: 'response', valueCodeableConcept: { coding: [{ system: `${CS}/response`, code: response }] } },
    { url: 'mrdResponse', valueCodeableConcept: { coding: [{ system: `${CS}/mrd-response`, code: mrd }] } },
    ...extra,
  ],
});
const link = (kind: string, timing: string): Extension => ({
  url: `${SD}/course-link`,
  extension: [
    { url: 'kind', valueCode: kind },
    { url: 'timing', valueCode: timing },
    { url: 'at', valueDateTime: '2024-05-01' },
    ref('Procedure/h1.x'),
  ],
});

const course: MedicationStatement = {
  resourceType: 'MedicationStatement',
  id: 'course-abc-1',
  status: 'completed',
  statusReason: [{ coding: [{ system: `${CS}/course-end-reason`, code: 'hsct' }] }],
  subject: { reference: 'Patient/h1.p1' },
  effectivePeriod: { start: '2024-01-01', end: '2024-02-26T10:00:00Z' },
  extension: [
    { url: `${SD}/course-number`, valuePositiveInt: 1 },
    { url: `${SD}/course-indication`, valueCode: 'relapsed-refractory' },
    {
      url: `${SD}/course-dose-basis`,
      extension: [
        { url: 'basis', valueCode: 'per-m2-bsa' },
        {
          url: 'bsa',
          valueQuantity: { value: 0.77, unit: 'm2', system: 'http://unitsofmeasure.org', code: 'm2' },
        },
        { url: 'bsaMethod', valueCode: 'mosteller' },
        ref('Observation/h1.height'),
        ref('Observation/h1.weight'),
      ],
    },
    cycle(2, 'CR', 'complete'),
    cycle(1, 'CRh', 'positive', [
      { url: 'mrdFraction', valueDecimal: 0.0015 },
      { url: 'interruption', extension: [{ url: 'hours', valueDecimal: 6 }] },
    ]),
    link('hsct', 'after'),
    link('relapse', 'during'),
  ],
};

const flag = (
  id: string,
  code: string,
  severity: DetectedIssue['severity'],
  status: DetectedIssue['status'] = 'final',
): DetectedIssue => ({
  resourceType: 'DetectedIssue',
  id,
  status,
  code: { coding: [{ system: `${CS}/course-flag`, code }] },
  severity,
  patient: { reference: 'Patient/h1.p1' },
  identifiedDateTime: '2024-01-03T12:00:00Z',
  implicated: [{ reference: 'MedicationStatement/course-abc-1' }],
  evidence: [{ detail: [{ reference: 'Observation/h1.o1' }, { reference: 'Observation/h1.o2' }] }],
  extension: [
    { url: `${SD}/flag-episode`, valueString: 'cycle-1' },
    ...(code === 'crs' ? [{ url: `${SD}/flag-grade`, valuePositiveInt: 3 }] : []),
  ],
});

const flags = [
  flag('f1', 'crs', 'high'),
  flag('f2', 'mrd-persistent', 'moderate'),
  flag('f3', 'icans', 'high', 'entered-in-error'),
];
const validate = (row: unknown) => {
  const v = getJsonSchema('http://bitebridge.dev/fhir/schema/registry-row')!;
  const ok = v(row) as boolean;
  return ok ? [] : v.errors;
};

test('a course row: cycles, responses, links and its final flags', () => {
  const row = courseRow(course, flags);
  expect(row).toMatchObject({
    table: 'course',
    patient: 'h1.p1',
    courseId: 'course-abc-1',
    courseNumber: 1,
    startDate: '2024-01-01',
    startUtc: null,
    endDate: '2024-02-26',
    endUtc: '2024-02-26T10:00:00Z',
    endReason: 'hsct',
    indication: 'relapsed-refractory',
    doseBasis: 'per-m2-bsa',
    bsaM2: 0.77,
    bsaMethod: 'mosteller',
    mrdComparatorCycle1: null,
    mrdSensitivityCycle1: null,
    cyclesCount: 2,
    infusionDaysTotal: 56,
    interruptionsCount: 1,
    toxicityRestartsCount: 0,
    responseCycle1: 'CRh',
    responseCycle2: 'CR',
    bestResponseWithin2Cycles: 'CR',
    bestResponse: 'CR',
    firstResponseCycle: 1,
    mrdResponseCycle1: 'positive',
    mrdFractionCycle1: 0.0015,
    completeMrdResponseAnyCycle: true,
    hsctBefore: false,
    hsctAfter: true,
    relapseAfter: true,
    cd19TherapyAfter: false,
    flagsCount: 2,
    highSeverityFlagsCount: 1,
    flagCodes: 'crs mrd-persistent',
  });
  expect(validate(row)).toEqual([]);
});

test('an active course without cycles: nulls where the schema allows them, and still valid', () => {
  const bare: MedicationStatement = {
    ...course,
    status: 'active',
    statusReason: undefined,
    effectivePeriod: { start: '2024-01-01' },
    extension: course.extension!.slice(0, 3),
  };
  const row = courseRow(bare, []);
  expect([
    row.endDate,
    row.endUtc,
    row.startUtc,
    row.endReason,
    row.responseCycle1,
    row.bestResponse,
    row.firstResponseCycle,
    row.flagCodes,
  ]).toEqual([null, null, null, null, null, null, null, '']);
  expect(validate(row)).toEqual([]);
});

test('a censored cycle-1 MRD keeps its comparator and sensitivity ("<0.01%" is not 10⁻⁴)', () => {
  const censored: MedicationStatement = {
    ...course,
    extension: [
      ...course.extension!.slice(0, 3),
      cycle(1, 'CR', 'complete', [
        { url: 'mrdFraction', valueDecimal: 0.0001 },
        { url: 'mrdComparator', valueCode: '<' },
        { url: 'mrdSensitivity', valueDecimal: 0.0001 },
      ]),
    ],
  };
  const row = courseRow(censored, []);
  expect(row).toMatchObject({
    mrdResponseCycle1: 'complete',
    mrdFractionCycle1: 0.0001,
    mrdComparatorCycle1: '<',
    mrdSensitivityCycle1: 0.0001,
  });
  expect(validate(row)).toEqual([]);
  expect(validate({ ...row, mrdComparatorCycle1: '~' })).not.toEqual([]);
});

test('rows sort by patient, course, then time, whatever order they come in', () => {
  const a = flagRow(flags[0]!);
  const rows: Row[] = [
    { ...a, patient: 'h1.p2', identifiedUtc: '2024-01-01T00:00:00Z' },
    { ...a, flagId: 'late', identifiedUtc: '2024-02-01T00:00:00Z' },
    { ...a, flagId: 'early', identifiedUtc: '2024-01-01T00:00:00Z' },
  ];
  expect([...rows].sort(compareRows).map((r) => `${r.patient}/${r.flagId}`)).toEqual([
    'h1.p1/early',
    'h1.p1/late',
    'h1.p2/f1',
  ]);
  const c = courseRow(course, []);
  const courses = [{ ...c, courseNumber: 2 }, { ...c, courseNumber: 10 }, c];
  expect([...courses].sort(compareRows).map((r) => r.courseNumber)).toEqual([1, 2, 10]);
});

test('one ISO 8601 form per column: local date and UTC instant', () => {
  expect(localDate('2024-03-31T01:30:00+02:00')).toBe('2024-03-31');
  expect(utcInstant('2024-03-31T01:30:00+02:00')).toBe('2024-03-30T23:30:00Z');
  expect(utcInstant('2024-03-31')).toBeNull();
  expect(utcInstant('2024-03-31T01:30:00.250Z')).toBe('2024-03-31T01:30:00Z');
});

test('a flag row', () => {
  const row = flagRow(flags[0]);
  expect(row).toEqual({
    table: 'flag',
    flagId: 'f1',
    courseId: 'course-abc-1',
    patient: 'h1.p1',
    code: 'crs',
    severity: 'high',
    status: 'final',
    identifiedDate: '2024-01-03',
    identifiedUtc: '2024-01-03T12:00:00Z',
    grade: 3,
    episode: 'cycle-1',
    evidenceCount: 2,
  });
  expect(validate(row)).toEqual([]);
  expect(validate(flagRow(flags[1]))).toEqual([]);
});

test('a course missing its required number fails the schema (so it is never written)', () => {
  expect(validate(courseRow({ ...course, extension: [] }, []))).not.toEqual([]);
});

test.each([
  [['no-response', 'CRi', undefined], 'CRi'],
  [['not-assessed', 'no-response'], 'no-response'],
  [[], null],
])('best response of %p is %p', (rs, best) => {
  expect(bestResponse(rs)).toBe(best);
});

test('CSV: the schema column order, empty for null, quoting only when needed', () => {
  const columns = registryColumns('flags');
  expect(columns[0]).toBe('table');
  expect(csvHeader(columns)).toBe(columns.join(',') + '\r\n');
  const line = csvLine(['a', 'b', 'c', 'd'], { a: null, b: 'x,y', c: 'say "hi"', d: true });
  expect(line).toBe(',"x,y","say ""hi""",true\r\n');
  expect(registryColumns('courses')).toEqual(Object.keys(courseRow(course, [])));
});
