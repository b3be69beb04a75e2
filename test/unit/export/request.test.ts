import type { Group } from '@medplum/fhirtypes';
import {
  fromParameters,
  groupPatients,
  parseExportParams,
  parseTypeFilter,
  typeFilterMatcher,
} from '../../../src/export/request';
import { FhirError } from '../../../src/fhir/outcome';
import type { StoredResource } from '../../../src/store/store';

const known = (t: string) => ['Patient', 'MedicationStatement', 'DetectedIssue', 'Group'].includes(t);
const parse = (raw: Record<string, string[]>, strict = false) => parseExportParams(raw, known, strict);
const status = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as FhirError).status;
  }
  return 'ok';
};

test('all parameters', () => {
  expect(
    parse({
      _outputFormat: ['application/fhir+ndjson'],
      _since: ['2026-11-21T10:00:00.000Z'],
      _type: ['MedicationStatement,DetectedIssue'],
      _typeFilter: ['DetectedIssue?code=crs'],
    }),
  ).toEqual({
    types: ['MedicationStatement', 'DetectedIssue'],
    since: Date.parse('2026-11-21T10:00:00Z'),
    typeFilters: ['DetectedIssue?code=crs'],
    ignored: [],
  });
});

test.each(['application/fhir+ndjson', 'application/ndjson', 'ndjson'])(
  'output format %s is accepted',
  (f) => {
    expect(status(() => parse({ _outputFormat: [f] }))).toBe('ok');
  },
);

test.each([
  [{ _outputFormat: ['text/csv'] }],
  [{ _since: ['last week'] }],
  [{ _type: ['Nonsense'] }],
  [{ _typeFilter: ['DetectedIssue?foo=bar'] }],
  [{ _typeFilter: ['Nonsense?code=x'] }],
  [{ _type: ['MedicationStatement'], _typeFilter: ['DetectedIssue?code=crs'] }],
])('%p is a 400', (raw) => {
  expect(status(() => parse(raw))).toBe(400);
});

test('unsupported parameters are ignored (and reported) unless handling is strict', () => {
  expect(parse({ includeAssociatedData: ['x'] }).ignored).toEqual(['includeAssociatedData']);
  expect(status(() => parse({ includeAssociatedData: ['x'] }, true))).toBe(400);
});

test('several type filters in one comma-separated value', () => {
  expect(
    parse({ _typeFilter: ['DetectedIssue?code=crs,icans,MedicationStatement?_id=c1'] }).typeFilters,
  ).toEqual(['DetectedIssue?code=crs,icans', 'MedicationStatement?_id=c1']);
});

test('POST Parameters', () => {
  expect(
    fromParameters({
      resourceType: 'Parameters',
      parameter: [
        { name: '_type', valueString: 'Patient' },
        { name: '_typeFilter', valueString: 'DetectedIssue?code=crs' },
        { name: '_since', valueInstant: '2026-01-01T00:00:00Z' },
      ],
    }),
  ).toEqual({
    _type: ['Patient'],
    _typeFilter: ['DetectedIssue?code=crs'],
    _since: ['2026-01-01T00:00:00Z'],
  });
  expect(status(() => fromParameters({ resourceType: 'Patient' }))).toBe(400);
});

test('type filters OR within a type and leave other types alone', () => {
  const keep = typeFilterMatcher(['DetectedIssue?code=crs', 'DetectedIssue?code=icans'], 'hospa');
  const flag = (code: string): StoredResource => ({
    key: 'DetectedIssue/f',
    versionId: '1',
    lastUpdated: '2026-01-01T00:00:00Z',
    resource: { resourceType: 'DetectedIssue', status: 'final', code: { coding: [{ code }] } },
  });
  expect([keep(flag('crs')), keep(flag('icans')), keep(flag('relapse'))]).toEqual([true, true, false]);
  expect(
    keep({
      key: 'Patient/p',
      versionId: '1',
      lastUpdated: '2026-01-01T00:00:00Z',
      resource: { resourceType: 'Patient' },
    }),
  ).toBe(true);
  expect(parseTypeFilter('DetectedIssue?code=crs').criteria?.codes).toEqual([[{ code: 'crs' }]]);
});

test('group members: own patients once; other members reported', () => {
  const g: Group = {
    resourceType: 'Group',
    type: 'person',
    actual: true,
    member: [
      { entity: { reference: 'Patient/hospa.p1' } },
      { entity: { reference: 'Patient/hospa.p1' } },
      { entity: { reference: 'Patient/hospb.p2' } },
      { entity: { reference: 'Device/hospa.d' } },
    ],
  };
  const { patients, issues } = groupPatients(g, 'hospa');
  expect(patients).toEqual(['hospa.p1']);
  expect(issues.map((i) => i.expression?.[0])).toEqual(['Group.member[2].entity', 'Group.member[3].entity']);
});

test('a type filter on patient takes the id namespaced or as sent', () => {
  const ma = (patient: string): StoredResource => ({
    key: 'MedicationAdministration/x',
    patient,
    versionId: '1',
    lastUpdated: '2026-01-01T00:00:00Z',
    resource: {
      resourceType: 'MedicationAdministration',
      status: 'completed',
      subject: { reference: `Patient/${patient}` },
    } as StoredResource['resource'],
  });
  for (const f of [
    'MedicationAdministration?patient=p1',
    'MedicationAdministration?patient=hospa.p1',
    'MedicationAdministration?subject=Patient/p1',
  ]) {
    const keep = typeFilterMatcher([f], 'hospa');
    expect([keep(ma('hospa.p1')), keep(ma('hospa.p2'))]).toEqual([true, false]);
  }
});
