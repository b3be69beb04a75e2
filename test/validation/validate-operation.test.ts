import { validateForOperation } from '../../src/validation';
import { BASE, minimalFlag } from './profile-fixtures';

const observation = { resourceType: 'Observation', status: 'final', code: { text: 'blasts' } };

describe('validateForOperation ($validate)', () => {
  it('answers the all-OK outcome for a valid bare resource', () => {
    expect(validateForOperation(observation, 'Observation')).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: 'All OK' }],
    });
  });

  it('reports the problems of an invalid bare resource', () => {
    const outcome = validateForOperation({ ...observation, status: 'done' }, 'Observation');
    expect(outcome.issue).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'code-invalid',
        expression: ['Observation.status'],
      }),
    ]);
  });

  it('unwraps a Parameters body with resource and profile', () => {
    const flag = minimalFlag();
    const ok = validateForOperation({
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: flag },
        { name: 'profile', valueUri: `${BASE}/StructureDefinition/course-flag` },
      ],
    });
    expect(ok.issue).toEqual([expect.objectContaining({ severity: 'information' })]);
    delete flag.severity;
    const bad = validateForOperation(
      { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: flag }] },
      'DetectedIssue',
      `${BASE}/StructureDefinition/course-flag`,
    );
    expect(bad.issue).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'required', expression: ['DetectedIssue.severity'] }),
      ]),
    );
  });

  it('the base profile of the type is the same as no profile', () => {
    const outcome = validateForOperation(
      observation,
      'Observation',
      'http://hl7.org/fhir/StructureDefinition/Observation',
    );
    expect(outcome.issue[0].severity).toBe('information');
  });

  it('rejects an unknown profile, a type mismatch and a missing resource', () => {
    expect(
      validateForOperation(observation, 'Observation', `${BASE}/StructureDefinition/nope`).issue[0],
    ).toMatchObject({ code: 'not-supported' });
    expect(validateForOperation(observation, 'Patient').issue[0]).toMatchObject({
      severity: 'error',
      code: 'invalid',
    });
    expect(
      validateForOperation({ resourceType: 'Parameters', parameter: [{ name: 'resource' }] }).issue[0],
    ).toMatchObject({ code: 'required' });
  });

  it('validates a Parameters resource itself on Parameters/$validate', () => {
    const params = { resourceType: 'Parameters', parameter: [{ name: 'resource', valueString: 'x' }] };
    expect(validateForOperation(params, 'Parameters').issue[0].severity).toBe('information');
  });
});
