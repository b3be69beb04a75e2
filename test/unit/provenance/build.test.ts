/** The Provenance builder: deterministic, exact about which source versions an output rests on. */
import type { DetectedIssue } from '@medplum/fhirtypes';
import { buildProvenance, provenanceId, referencedKeys } from '../../../src/provenance/build';
import { validateResource } from '../../../src/validation';

const flag: DetectedIssue = {
  resourceType: 'DetectedIssue',
  id: 'hospa.p1-flag-crs-1',
  status: 'final',
  patient: { reference: 'Patient/hospa.p1' },
  implicated: [{ reference: 'MedicationStatement/hospa.p1-course-1' }],
  evidence: [{ detail: [{ reference: 'Observation/hospa.o2' }, { reference: 'Observation/hospa.o1' }] }],
};
const evidence = [
  { resourceType: 'Observation', id: 'hospa.o1', versionId: '2' },
  { resourceType: 'Observation', id: 'hospa.o1', versionId: '10' },
  { resourceType: 'Observation', id: 'hospa.o2', versionId: '1' },
  // Read by the derivation but not referenced by this output: not an entity of it.
  { resourceType: 'Observation', id: 'hospa.o3', versionId: '1' },
];
const build = (versionId = '3', recorded = '2026-01-02T03:04:05.000Z') =>
  buildProvenance({
    patient: 'hospa.p1',
    output: { resource: flag, versionId },
    evidence,
    recorded,
    softwareVersion: '9.9.9',
  });

test('target is the output version; entities are the referenced sources at their newest version read', () => {
  const p = build();
  expect(p.target).toEqual([{ reference: 'DetectedIssue/hospa.p1-flag-crs-1/_history/3' }]);
  expect(p.entity).toEqual([
    { role: 'source', what: { reference: 'Observation/hospa.o1/_history/10' } },
    { role: 'source', what: { reference: 'Observation/hospa.o2/_history/1' } },
  ]);
  expect(p.activity?.text).toBe('DERIVE');
  expect(p.recorded).toBe('2026-01-02T03:04:05.000Z');
  expect(p.contained).toEqual([
    expect.objectContaining({ resourceType: 'Device', version: [{ value: '9.9.9' }] }),
  ]);
  expect(p.agent[0].who).toEqual({ reference: '#bitebridge' });
});

test('deterministic, one id per output version, namespaced by the source, a valid FHIR id', () => {
  expect(build()).toEqual(build());
  expect(build('3').id).not.toBe(build('4').id);
  expect(build().id).toBe(provenanceId('hospa.p1', 'DetectedIssue/hospa.p1-flag-crs-1', '3'));
  expect(build().id).toMatch(/^hospa\.prov-[0-9a-f]{40}$/);
  expect(build().id!.length).toBeLessThanOrEqual(64);
});

test('valid against the FHIR R4 Provenance definition', () => {
  const issues = validateResource(JSON.parse(JSON.stringify(build())));
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
});

test('referencedKeys finds references at any depth and ignores contained and malformed ones', () => {
  const keys = referencedKeys({
    resourceType: 'MedicationStatement',
    extension: [
      { url: 'x', extension: [{ url: 'e', valueReference: { reference: 'Observation/a.b/_history/2' } }] },
    ],
    contained: [],
    derivedFrom: [{ reference: '#local' }, { reference: 'not a ref' }],
  } as never);
  expect([...keys]).toEqual(['Observation/a.b']);
});
