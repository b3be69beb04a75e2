/** profiles/registry-row.schema.json: the flat registry export rows (course and flag tables). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultProfilesDir, getCodeSystem, getJsonSchema } from '../../src/validation';
import { BASE } from './profile-fixtures';

const courseRow = (): Record<string, unknown> => ({
  table: 'course',
  patient: 'h1.p1',
  courseId: 'course-h1.p1-1',
  courseNumber: 1,
  startDate: '2024-01-01',
  startUtc: null,
  endDate: '2024-02-26',
  endUtc: '2024-02-26T10:00:00Z',
  status: 'completed',
  endReason: 'hsct',
  indication: 'relapsed-refractory',
  doseBasis: 'per-m2-bsa',
  bsaM2: 0.77,
  bsaMethod: 'measured',
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
  mrdComparatorCycle1: null,
  mrdSensitivityCycle1: null,
  completeMrdResponseAnyCycle: true,
  hsctBefore: false,
  hsctDuring: false,
  hsctAfter: true,
  cd19TherapyAfter: false,
  relapseAfter: false,
  flagsCount: 2,
  highSeverityFlagsCount: 1,
  flagCodes: 'crs mrd-persistent',
});

const flagRow = (): Record<string, unknown> => ({
  table: 'flag',
  flagId: 'flag-1',
  courseId: 'course-h1.p1-1',
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

const validate = (row: unknown): boolean => {
  const v = getJsonSchema(`${BASE}/schema/registry-row`);
  if (!v) throw new Error('registry-row schema not loaded');
  return v(row) as boolean;
};

describe('registry-row schema', () => {
  it('accepts a course row, an active course row with nulls, and a flag row', () => {
    expect(validate(courseRow())).toBe(true);
    const active = {
      ...courseRow(),
      status: 'active',
      endDate: null,
      endUtc: null,
      endReason: null,
      doseBasis: 'as-charted',
      bsaM2: null,
      bsaMethod: null,
      responseCycle2: null,
      bestResponseWithin2Cycles: 'not-assessed',
      firstResponseCycle: null,
      mrdFractionCycle1: null,
      flagCodes: '',
    };
    expect(validate(active)).toBe(true);
    expect(validate(flagRow())).toBe(true);
    expect(validate({ ...flagRow(), grade: null })).toBe(true);
  });

  const mutations: [string, () => unknown][] = [
    ['a missing column', () => ({ ...courseRow(), cyclesCount: undefined })],
    ['an unknown column', () => ({ ...courseRow(), patientName: 'x' })],
    ['a response that is not a code', () => ({ ...courseRow(), responseCycle1: 'PR' })],
    ['an MRD fraction above 1', () => ({ ...courseRow(), mrdFractionCycle1: 15 })],
    ['a bad date', () => ({ ...courseRow(), startDate: '01/02/2024' })],
    ['a dateTime in a date column', () => ({ ...courseRow(), startDate: '2024-01-01T08:00:00Z' })],
    ['an offset in a UTC column', () => ({ ...courseRow(), endUtc: '2024-02-26T10:00:00+01:00' })],
    ['a date in a UTC column', () => ({ ...flagRow(), identifiedUtc: '2024-01-03' })],
    ['a dose basis that is not a code', () => ({ ...courseRow(), doseBasis: 'per-kg' })],
    ['an MRD comparator that is not one', () => ({ ...courseRow(), mrdComparatorCycle1: '~' })],
    ['course number 0', () => ({ ...courseRow(), courseNumber: 0 })],
    ['a flag code not in the CodeSystem', () => ({ ...flagRow(), code: 'sepsis' })],
    ['a flag without evidence', () => ({ ...flagRow(), evidenceCount: 0 })],
    ['a flag row in the course table', () => ({ ...flagRow(), table: 'course' })],
    ['flag codes with commas', () => ({ ...courseRow(), flagCodes: 'crs,icans' })],
  ];
  it.each(mutations)('rejects %s', (_name, row) => {
    expect(validate(JSON.parse(JSON.stringify(row())))).toBe(false);
  });
});

it('the flag row codes are exactly the course-flag CodeSystem codes', () => {
  const schema = JSON.parse(readFileSync(join(defaultProfilesDir(), 'registry-row.schema.json'), 'utf8')) as {
    $defs: { flagRow: { properties: { code: { enum: string[] } } } };
  };
  const codes = (getCodeSystem(`${BASE}/CodeSystem/course-flag`)?.concept ?? []).map((c) => c.code);
  expect([...schema.$defs.flagRow.properties.code.enum].sort()).toEqual([...codes].sort());
});
