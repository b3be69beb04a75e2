import { MAX_COUNT, parseSearch, parseToken, supportedParams } from '../../../src/search/params';

describe('parseToken', () => {
  test.each([
    ['1597258', { code: '1597258' }],
    ['http://x|crs', { system: 'http://x', code: 'crs' }],
    ['|crs', { system: '', code: 'crs' }],
    ['http://x|', { system: 'http://x', code: undefined }],
  ])('%s', (value, expected) => {
    expect(parseToken(value)).toEqual(expected);
  });
});

describe('parseSearch', () => {
  test('defaults: first page of 50, ascending, all time, derived outputs only, nothing unknown', () => {
    const { criteria, unknown, invalid } = parseSearch('MedicationStatement', {});
    expect(criteria).toEqual({
      type: 'MedicationStatement',
      lastUpdated: { min: -Infinity, max: Infinity },
      count: 50,
      offset: 0,
      sort: 'asc',
      origin: 'derived',
    });
    expect(unknown).toEqual([]);
    expect(invalid).toEqual([]);
  });

  test('every supported parameter', () => {
    const { criteria, unknown, invalid } = parseSearch('DetectedIssue', {
      _id: 'a,b',
      patient: 'Patient/hospa.p1',
      code: ['http://bitebridge.dev/fhir/CodeSystem/course-flag|crs,icans', 'x|'],
      _lastUpdated: ['ge2026-01-01', 'lt2026-02-01'],
      _count: '10',
      _offset: '20',
      _sort: '-_lastUpdated',
    });
    expect(invalid).toEqual([]);
    expect(unknown).toEqual([]);
    expect(criteria.ids).toEqual(['a', 'b']);
    expect(criteria.patient).toBe('hospa.p1');
    expect(criteria.codes).toEqual([
      [{ system: 'http://bitebridge.dev/fhir/CodeSystem/course-flag', code: 'crs' }, { code: 'icans' }],
      [{ system: 'x', code: undefined }],
    ]);
    expect(criteria.lastUpdated).toEqual({
      min: Date.parse('2026-01-01T00:00:00Z'),
      max: Date.parse('2026-02-01T00:00:00Z') - 1,
    });
    expect([criteria.count, criteria.offset, criteria.sort]).toEqual([10, 20, 'desc']);
  });

  test('subject is the same as patient', () => {
    expect(parseSearch('MedicationStatement', { subject: 'hospa.p1' }).criteria.patient).toBe('hospa.p1');
  });

  test('unknown parameters, modifiers and parameters the type lacks are reported, not applied', () => {
    const { unknown, criteria } = parseSearch('Patient', {
      name: 'x',
      'code:text': 'y',
      code: 'z',
      patient: 'p',
      _format: 'json',
    });
    expect(unknown.sort()).toEqual(['code', 'code:text', 'name', 'patient']);
    expect(criteria.codes).toBeUndefined();
    expect(criteria.patient).toBeUndefined();
  });

  test.each([
    [{ _count: '-1' }, '_count'],
    [{ _count: 'ten' }, '_count'],
    [{ _offset: '1.5' }, '_offset'],
    [{ _lastUpdated: 'ge2026-13' }, '_lastUpdated'],
    [{ _sort: 'date' }, '_sort'],
    [{ patient: ['a', 'b'] }, 'patient'],
  ])('%p is invalid', (q, param) => {
    const { invalid } = parseSearch('MedicationStatement', q);
    expect(invalid.map((i) => i.expression?.[0])).toEqual([param]);
  });

  test('_count is capped', () => {
    expect(parseSearch('MedicationStatement', { _count: '999999' }).criteria.count).toBe(MAX_COUNT);
  });

  test('capabilities: patient-less types have no patient parameter; code only where matched', () => {
    expect(supportedParams('Group')).not.toContain('patient');
    expect(supportedParams('MedicationStatement')).toEqual(
      expect.arrayContaining(['patient', 'subject', 'code']),
    );
    expect(supportedParams('Encounter')).not.toContain('code');
  });
});
