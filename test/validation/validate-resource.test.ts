import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { isError, validateResource } from '../../src/validation';
import { pointerToFhirPath, safeExpression } from '../../src/validation/fhirpath-expression';

const observation = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '11150-0' }] },
  subject: { reference: 'Patient/h1.p1' },
  effectiveDateTime: '2024-01-02T08:00:00Z',
  valueQuantity: { value: 12, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  ...extra,
});

const errors = (r: unknown): OperationOutcomeIssue[] => validateResource(r).filter(isError);

describe('validateResource: must fail', () => {
  const cases: { name: string; resource: unknown; code: string; expression: string }[] = [
    {
      name: 'status "done" (required binding)',
      resource: observation({ status: 'done' }),
      code: 'code-invalid',
      expression: 'Observation.status',
    },
    {
      name: 'wrong JSON type',
      resource: observation({ status: 5 }),
      code: 'structure',
      expression: 'Observation.status',
    },
    {
      name: 'missing required element',
      resource: { resourceType: 'Observation', status: 'final' },
      code: 'required',
      expression: 'Observation.code',
    },
    {
      name: 'unknown property',
      resource: observation({ colour: 'blue' }),
      code: 'structure',
      expression: 'Observation.colour',
    },
    {
      name: 'bad date',
      resource: observation({ effectiveDateTime: '2024-13-45' }),
      code: 'value',
      expression: 'Observation.effective[x]',
    },
    {
      name: 'bad date (only the JSON Schema sees it)',
      resource: { resourceType: 'Patient', birthDate: '2020-02-31x' },
      code: 'value',
      expression: 'Patient.birthDate',
    },
    {
      name: '__proto__ key',
      resource: JSON.parse('{"resourceType":"Patient","__proto__":{"active":true}}'),
      code: 'structure',
      expression: 'Patient.__proto__',
    },
    {
      name: 'nested __proto__ key',
      resource: JSON.parse('{"resourceType":"Patient","name":[{"family":"X","__proto__":{"a":1}}]}'),
      code: 'structure',
      expression: 'Patient.name[0].__proto__',
    },
    {
      name: 'unknown resource type',
      resource: { resourceType: 'Spaceship' },
      code: 'not-supported',
      expression: 'Spaceship.resourceType',
    },
    {
      name: 'Medplum-only resource type',
      resource: { resourceType: 'Project', name: 'x' },
      code: 'not-supported',
      expression: 'Project.resourceType',
    },
    {
      name: 'no resourceType',
      resource: { status: 'final' },
      code: 'required',
      expression: 'Resource.resourceType',
    },
    { name: 'not an object', resource: [1, 2], code: 'structure', expression: 'Resource' },
    { name: 'null', resource: null, code: 'structure', expression: 'Resource' },
    {
      name: 'wrong type deep inside',
      resource: observation({ valueQuantity: { value: 'twelve' } }),
      code: 'structure',
      expression: 'Observation.value[x].value',
    },
    {
      name: 'invariant (obs-6)',
      resource: observation({ dataAbsentReason: { text: 'x' } }),
      code: 'invariant',
      expression: 'Observation',
    },
    {
      name: 'empty string',
      resource: observation({ status: '' }),
      code: 'required',
      expression: 'Observation.status',
    },
  ];
  it.each(cases)('$name', ({ resource, code, expression }) => {
    const found = errors(resource);
    expect(found).toEqual(
      expect.arrayContaining([expect.objectContaining({ code, expression: [expression] })]),
    );
    for (const i of found) {
      expect(i.severity).toBe('error');
      expect(typeof i.diagnostics).toBe('string');
    }
  });
});

describe('validateResource: must pass', () => {
  const cases: { name: string; resource: unknown }[] = [
    { name: 'an Observation', resource: observation() },
    { name: 'a Patient', resource: { resourceType: 'Patient', id: 'h1.p1', birthDate: '2010-05' } },
    {
      name: 'a MedicationAdministration',
      resource: {
        resourceType: 'MedicationAdministration',
        status: 'completed',
        medicationCodeableConcept: {
          coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1597258' }],
        },
        subject: { reference: 'Patient/h1.p1' },
        effectivePeriod: { start: '2024-01-01T08:00:00Z', end: '2024-01-02T08:00:00Z' },
        dosage: {
          rateQuantity: { value: 9, unit: 'ug/d', system: 'http://unitsofmeasure.org', code: 'ug/d' },
        },
      },
    },
    {
      name: 'a primitive extension',
      resource: observation({ _status: { extension: [{ url: 'http://x.org/e', valueString: 'y' }] } }),
    },
  ];
  it.each(cases)('$name', ({ resource }) => {
    expect(errors(resource)).toEqual([]);
  });

  it('returns no duplicates when both validators see the same problem', () => {
    const found = errors(observation({ colour: 'blue' }));
    expect(found.filter((i) => i.expression?.[0] === 'Observation.colour')).toHaveLength(1);
  });
});

describe('hostile input never makes the validator throw', () => {
  it('reports JSON nested too deeply instead of overflowing the stack', () => {
    const root: Record<string, unknown> = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
    };
    let cur = root;
    for (let i = 0; i < 20000; i++) {
      const next: Record<string, unknown> = { url: 'http://example.org/e' };
      cur.extension = [next];
      cur = next;
    }
    expect(() => validateResource(root)).not.toThrow();
    expect(validateResource(root)).toEqual([
      expect.objectContaining({ severity: 'error', code: 'too-costly' }),
    ]);
  });

  it('accepts resources nested to a realistic depth', () => {
    const item = (depth: number): Record<string, unknown> =>
      depth === 0
        ? { linkId: 'leaf', type: 'string' }
        : { linkId: `l${depth}`, type: 'group', item: [item(depth - 1)] };
    expect(errors({ resourceType: 'Questionnaire', status: 'active', item: [item(20)] })).toEqual([]);
  });
});

describe('diagnostics never echo submitted values', () => {
  it('keeps free text, names and references out of every issue', () => {
    const secret = 'Jane Q Smith 1970-01-01';
    const r = observation({
      status: secret,
      effectiveDateTime: secret,
      subject: { reference: secret },
      note: [{ text: 5 }],
      [secret]: secret,
    });
    const all = validateResource(r);
    expect(all.length).toBeGreaterThan(0);
    expect(JSON.stringify(all)).not.toContain('Smith');
    expect(JSON.stringify(all)).not.toContain('1970');
  });
});

describe('safeExpression', () => {
  it.each([
    ['Observation.status', 'Observation.status'],
    ['Bundle.entry[3].resource.effective[x]', 'Bundle.entry[3].resource.effective[x]'],
    ['Observation.Jane Q Smith', 'Observation.(invalid-name)'],
    ['Observation.a.b c.d', 'Observation.a.(invalid-name)'],
  ])('%s → %s', (input, expected) => {
    expect(safeExpression(input)).toBe(expected);
  });
});

describe('pointerToFhirPath', () => {
  const bundle = {
    resourceType: 'Bundle',
    entry: [{ resource: { resourceType: 'Observation', status: 'x' } }],
    '0': { a: 1 },
  };
  it.each([
    ['', 'Bundle'],
    ['/entry/0/resource/status', 'Bundle.entry[0].resource.status'],
    ['/0/a', 'Bundle.(invalid-name).a'],
    ['/a~1b/c~0d', 'Bundle.(invalid-name).(invalid-name)'],
  ])('%s → %s', (pointer, expected) => {
    expect(pointerToFhirPath(bundle, pointer, 'Bundle')).toBe(expected);
  });
});
