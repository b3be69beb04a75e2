/**
 * Where checkFhirRules reports each problem: locations are spelled only for the problems found
 * (rules/json-shape.ts, rules/typed-walk.ts), so nested arrays, primitive extensions and contained
 * resources are checked here with their exact expressions, in the order they are reported (the same
 * as when every location was spelled as the walk went).
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { checkFhirRules } from '../../src/validation/rules';
import { warmUpValidation } from '../../src/validation';

beforeAll(() => warmUpValidation(), 120_000);

const located = (issues: OperationOutcomeIssue[]) =>
  issues.map((i) => `${(i.expression ?? []).join(',')}: ${i.diagnostics ?? ''}`);

describe('checkFhirRules locations', () => {
  it('JSON shape problems at every depth', () => {
    const resource = {
      resourceType: 'Patient',
      name: [{ given: ['a', 'b'] }, { given: [] }, {}],
      telecom: [{ system: 'phone', value: null }],
      _birthDate: { extension: [] },
      address: [{ line: ['x', null] }],
      contact: [{ name: { _given: [null, { extension: [{ url: 'u', valueString: 'x' }] }] } }],
      'bad key': null,
    };
    expect(located(checkFhirRules(resource))).toEqual([
      'Patient.(invalid-name): null is not a FHIR value',
      'Patient.address[0].line[1]: null is only allowed in primitive extension arrays',
      'Patient._birthDate.extension: Arrays SHALL NOT be empty',
      'Patient.telecom[0].value: null is not a FHIR value',
      'Patient.name[2]: Objects SHALL NOT be empty',
      'Patient.name[1].given: Arrays SHALL NOT be empty',
    ]);
  });

  it('rules on typed nodes, in arrays and in contained resources', () => {
    const resource = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      contained: [
        {
          resourceType: 'Observation',
          id: 'c',
          status: 'final',
          code: { text: 'y' },
          effectivePeriod: { start: '2020-02-01', end: '2020-01-01' },
        },
      ],
      component: [
        { code: { text: 'a' }, valueString: 'x' },
        { code: { text: 'b' }, valueString: 'x', valueBoolean: true },
        { code: { text: 'c' }, valuePeriod: { start: '2020-02-01', end: '2020-01-01' } },
      ],
    };
    const per1 =
      'Constraint per-1 not met: If present, start SHALL have a lower value than end (start.hasValue().not() or end.hasValue().not() or (start <= end))';
    expect(located(checkFhirRules(resource))).toEqual([
      `Observation.contained[0].effectivePeriod: ${per1}`,
      'Observation.component[1].value[x]: value[x] holds 2 values; a choice element takes one type',
      `Observation.component[2].valuePeriod: ${per1}`,
    ]);
  });
});
