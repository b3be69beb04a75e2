/**
 * Rules the structure validators missed, each with a failing and a passing example: data-type
 * invariants wherever the type occurs, choice exclusivity, empty arrays and objects, required bindings
 * on CodeableConcept and Coding, unknown extensions, narrative xhtml safety, Attachment size.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { isError, validateResource } from '../../src/validation';
import { getDataType } from '@medplum/core';
import { codedBindingIssues } from '../../src/validation/rules/coded-bindings';
import { xhtmlProblems } from '../../src/validation/rules/xhtml';

const errors = (r: unknown): OperationOutcomeIssue[] => validateResource(r).filter(isError);
const obs = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'blasts' },
  ...extra,
});
const UCUM = 'http://unitsofmeasure.org';
const q = (value: number, extra: Record<string, unknown> = {}) => ({
  value,
  unit: 'mg',
  system: UCUM,
  code: 'mg',
  ...extra,
});
const only = (found: OperationOutcomeIssue[], code: string, expression: string) =>
  expect(found).toEqual([expect.objectContaining({ severity: 'error', code, expression: [expression] })]);

describe('data-type invariants at every occurrence', () => {
  it.each([
    [
      'per-1 at the element',
      obs({ effectivePeriod: { start: '2024-02-01', end: '2024-01-01' } }),
      'Observation.effectivePeriod',
    ],
    [
      'per-1 deep inside a component',
      obs({
        component: [
          {
            code: { text: 'x' },
            valuePeriod: { start: '2024-02-01T10:00:00Z', end: '2024-02-01T09:00:00Z' },
          },
        ],
      }),
      'Observation.component[0].valuePeriod',
    ],
    [
      'qty-3 (code without system)',
      obs({ valueQuantity: { value: 1, code: 'mg' } }),
      'Observation.valueQuantity',
    ],
    ['rng-2 (low above high)', obs({ valueRange: { low: q(5), high: q(1) } }), 'Observation.valueRange'],
    [
      'rat-1 (numerator without denominator)',
      obs({ valueRatio: { numerator: q(1) } }),
      'Observation.valueRatio',
    ],
    [
      'ref-1 (local reference to nothing contained)',
      obs({ subject: { reference: '#p1' } }),
      'Observation.subject',
    ],
    [
      'sqty-1 (comparator in a SimpleQuantity)',
      obs({ valueRange: { low: q(1, { comparator: '<' }) } }),
      'Observation.valueRange.low',
    ],
    [
      'att-1 (data without contentType)',
      { resourceType: 'Media', status: 'completed', content: { data: 'SGVsbG8=' } },
      'Media.content',
    ],
  ])('%s fails', (_name, resource, expression) => {
    only(errors(resource), 'invariant', expression);
  });

  it.each([
    ['per-1 start before end', obs({ effectivePeriod: { start: '2024-01-01', end: '2024-02-01' } })],
    [
      'per-1 with different precisions (not comparable)',
      obs({ effectivePeriod: { start: '2024-01', end: '2024-01-15' } }),
    ],
    ['qty-3 with system', obs({ valueQuantity: q(1) })],
    ['rng-2 low below high', obs({ valueRange: { low: q(1), high: q(5) } })],
    ['rat-1 both parts', obs({ valueRatio: { numerator: q(1), denominator: q(2) } })],
    [
      'ref-1 to a contained resource',
      obs({ contained: [{ resourceType: 'Patient', id: 'p1' }], subject: { reference: '#p1' } }),
    ],
  ])('%s passes', (_name, resource) => {
    expect(errors(resource)).toEqual([]);
  });
});

describe('choice exclusivity', () => {
  it('rejects valueString and valueQuantity together', () => {
    only(errors(obs({ valueString: 'x', valueQuantity: q(1) })), 'structure', 'Observation.value[x]');
  });
  it('accepts one value[x], also inside an extension', () => {
    expect(
      errors(obs({ valueString: 'x', extension: [{ url: 'http://example.org/e', valueInteger: 1 }] })),
    ).toEqual([]);
  });
});

describe('empty arrays, empty objects, null', () => {
  it.each([
    ['an empty array', obs({ note: [] }), 'Observation.note'],
    ['an empty object', obs({ valueQuantity: {} }), 'Observation.valueQuantity'],
    ['null as a value', obs({ issued: null }), 'Observation.issued'],
  ])('rejects %s', (_name, resource, expression) => {
    expect(errors(resource)).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'structure', expression: [expression] })]),
    );
  });
  it('accepts null placeholders in a primitive extension array', () => {
    const r = {
      resourceType: 'Patient',
      name: [
        {
          given: ['A', 'B'],
          _given: [null, { extension: [{ url: 'http://example.org/e', valueString: 'x' }] }],
        },
      ],
    };
    expect(errors(r)).toEqual([]);
  });
});

describe('required bindings on CodeableConcept and Coding', () => {
  const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
  const condition = (extra: Record<string, unknown>) => ({
    resourceType: 'Condition',
    subject: { reference: 'Patient/p1' },
    code: { text: 'B-ALL' },
    ...extra,
  });
  it.each([
    [
      'a code outside the value set',
      { clinicalStatus: { coding: [{ system: CLINICAL, code: 'cured' }] } },
      'Condition.clinicalStatus.coding',
    ],
    [
      'another system',
      { clinicalStatus: { coding: [{ system: 'http://snomed.info/sct', code: '55561003' }] } },
      'Condition.clinicalStatus.coding',
    ],
    ['text only', { clinicalStatus: { text: 'active' } }, 'Condition.clinicalStatus'],
    [
      'verificationStatus',
      {
        verificationStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'maybe' }],
        },
      },
      'Condition.verificationStatus.coding',
    ],
  ])('rejects %s', (_name, extra, expression) => {
    only(errors(condition(extra)), 'code-invalid', expression);
  });
  it('accepts a CodeableConcept with one Coding from the value set among others', () => {
    const cc = {
      coding: [
        { system: 'http://snomed.info/sct', code: '55561003' },
        { system: CLINICAL, code: 'active' },
      ],
    };
    expect(errors(condition({ clinicalStatus: cc }))).toEqual([]);
  });
  it('checks a Coding element bound required (none in the R4 base: profiles add them)', () => {
    const element = {
      ...getDataType('Condition').elements.clinicalStatus,
      type: [{ code: 'Coding' }],
    };
    const node = (value: Record<string, unknown>) => ({
      type: 'Coding',
      schema: getDataType('Coding'),
      value,
      path: 'Condition.extension[0].valueCoding',
      element,
      rootResource: { resourceType: 'Condition' },
    });
    expect(codedBindingIssues(node({ system: CLINICAL, code: 'cured' }))).toEqual([
      expect.objectContaining({ code: 'code-invalid', expression: ['Condition.extension[0].valueCoding'] }),
    ]);
    expect(codedBindingIssues(node({ system: CLINICAL, code: 'remission' }))).toEqual([]);
  });
});

describe('unknown extensions (spec severity)', () => {
  it('warns about an unknown extension but accepts the resource', () => {
    const found = validateResource(
      obs({ extension: [{ url: 'http://hospital.test/fhir/x', valueString: 'y' }] }),
    );
    expect(found.filter(isError)).toEqual([]);
    expect(found).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'extension',
        expression: ['Observation.extension[0]'],
      }),
    ]);
  });
  it('rejects an unknown modifierExtension', () => {
    only(
      errors(obs({ modifierExtension: [{ url: 'http://hospital.test/fhir/negated', valueBoolean: true }] })),
      'extension',
      'Observation.modifierExtension[0]',
    );
  });
  it('knows the core extensions and does not look up sub-extensions', () => {
    const race = {
      url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
      valueAddress: { city: 'Leiden' },
    };
    const complex = {
      url: 'http://hl7.org/fhir/StructureDefinition/patient-nationality',
      extension: [{ url: 'code', valueCodeableConcept: { text: 'NL' } }],
    };
    expect(validateResource({ resourceType: 'Patient', extension: [race, complex] })).toEqual([]);
  });
});

describe('narrative xhtml', () => {
  const div = (inner: string) => `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>`;
  const patient = (text: string) => ({ resourceType: 'Patient', text: { status: 'generated', div: text } });
  it.each([
    ['a script', div('<script>alert(1)</script>')],
    ['an event attribute', div('<p onclick="x()">a</p>')],
    ['a javascript: link', div('<a href="javascript:x()">a</a>')],
    ['an HTML entity undeclared in XML', div('<p>a&nbsp;b</p>')],
    ['a bare ampersand', div('<p>a & b</p>')],
    ['an iframe', div('<iframe src="http://x.org"></iframe>')],
    ['a form', div('<form><input/></form>')],
    ['a style sheet link', div('<link rel="stylesheet" href="x.css"/>')],
    ['a missing namespace', '<div><p>a</p></div>'],
    ['a root that is not a div', '<p xmlns="http://www.w3.org/1999/xhtml">a</p>'],
    ['unbalanced tags', div('<p><b>a</p>')],
  ])('rejects %s', (_name, text) => {
    const found = errors(patient(text));
    expect(found.length).toBeGreaterThan(0);
    for (const i of found) expect(i).toMatchObject({ code: 'security', expression: ['Patient.text.div'] });
  });
  it('accepts basic formatting, tables, images, numeric entities and comments', () => {
    const ok = div(
      '<!-- generated --><h1 class="x">A&#160;B &amp; C</h1><table border="1"><tr><td colspan="2">x</td></tr></table>' +
        '<img src="#img1" alt="a"/><a href="http://x.org/a?b=1&amp;c=2">l</a><br/><ul><li style="color: red">i</li></ul>',
    );
    expect(xhtmlProblems(ok)).toEqual([]);
    expect(errors(patient(ok))).toEqual([]);
  });
});

describe('Attachment size and data', () => {
  const media = (content: Record<string, unknown>) => ({
    resourceType: 'Media',
    status: 'completed',
    content,
  });
  it('rejects a size that is not the number of decoded bytes', () => {
    only(
      errors(media({ contentType: 'text/plain', data: 'SGVsbG8=', size: 6 })),
      'value',
      'Media.content.size',
    );
  });
  it('accepts the right size, also with wrapped base64', () => {
    expect(errors(media({ contentType: 'text/plain', data: 'SGVs\r\nbG8=', size: 5 }))).toEqual([]);
  });
});
