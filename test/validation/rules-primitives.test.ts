/**
 * Primitive values with the spec's regex semantics (`\s` = space, tab, CR, LF) and R4's base64 with
 * whitespace: each rule with a failing and a passing example.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { isError, validateResource } from '../../src/validation';
import { isSpecBase64, isSpecCode } from '../../src/validation/rules/primitive-values';

const errors = (r: unknown): OperationOutcomeIssue[] => validateResource(r).filter(isError);
const patient = (extra: Record<string, unknown>) => ({ resourceType: 'Patient', id: 'p1', ...extra });
// "Hello world" as PDF-ish bytes: any valid base64, wrapped at 4 characters.
const WRAPPED = 'SGVs\r\nbG8g\n d29y bGQ=';

describe('Unicode whitespace per the spec', () => {
  it('accepts U+00A0 (no-break space) in a string: "van\\u00a0Dijk"', () => {
    expect(errors(patient({ name: [{ family: 'van\u00a0Dijk' }] }))).toEqual([]);
  });
  it('accepts U+00A0 in markdown, and a markdown of U+00A0 alone', () => {
    const cs = (definition: string) => ({
      resourceType: 'CodeSystem',
      status: 'draft',
      content: 'complete',
      concept: [{ code: 'a', definition }],
    });
    expect(errors(cs('before\u00a0after'))).toEqual([]);
    expect(errors(cs('\u00a0'))).toEqual([]);
  });
  it('accepts U+00A0 inside a code (not whitespace in the spec)', () => {
    expect(errors(patient({ gender: 'male', language: 'CHEST\u00a0' }))).toEqual([]);
  });
  it('rejects a string of spec whitespace only', () => {
    expect(errors(patient({ name: [{ family: ' \t ' }] }))).toEqual([
      expect.objectContaining({ expression: ['Patient.name[0].family'] }),
    ]);
  });
  it('rejects a code with a double space or a leading space', () => {
    expect(errors(patient({ language: 'en  GB' }))).toEqual([
      expect.objectContaining({ code: 'value', expression: ['Patient.language'] }),
    ]);
    expect(isSpecCode(' en')).toBe(false);
    expect(isSpecCode('en GB')).toBe(true);
    expect(isSpecCode('en\u00a0GB')).toBe(true);
  });
  it('rejects a uri with a space but accepts one with U+00A0', () => {
    const withUri = (system: string) => patient({ identifier: [{ system, value: '1' }] });
    expect(errors(withUri('http://x.org/a b'))).toEqual([
      expect.objectContaining({ code: 'value', expression: ['Patient.identifier[0].system'] }),
    ]);
    expect(errors(withUri('http://x.org/a\u00a0b'))).toEqual([]);
  });
  it('still rejects control characters in a string', () => {
    expect(errors(patient({ name: [{ family: 'a\u0001b' }] }))).toEqual([
      expect.objectContaining({ expression: ['Patient.name[0].family'] }),
    ]);
  });
});

describe('base64Binary (R4 allows whitespace between characters)', () => {
  const binary = (data: string) => ({ resourceType: 'Binary', contentType: 'text/plain', data });
  it('accepts base64 wrapped with CRLF, LF and spaces', () => {
    expect(errors(binary(WRAPPED))).toEqual([]);
    expect(
      errors({
        resourceType: 'Media',
        status: 'completed',
        content: { contentType: 'text/plain', data: WRAPPED },
      }),
    ).toEqual([]);
  });
  it.each([
    ['a character outside the alphabet', 'SGVs!G8g'],
    ['a length that is not a multiple of 4', 'SGVsbG8'],
    ['padding in the middle', 'SG=sbG8g'],
    ['three padding characters', 'SGVsb==='],
  ])('rejects %s', (_name, data) => {
    expect(isSpecBase64(data)).toBe(false);
    expect(errors(binary(data))).toEqual([
      expect.objectContaining({ code: 'value', expression: ['Binary.data'] }),
    ]);
  });
});

describe('base64 in an extension (the JSON Schema inlines its own copy of the pattern there)', () => {
  const ext = (value: string) =>
    patient({ extension: [{ url: 'http://example.org/blob', valueBase64Binary: value }] });
  it('accepts wrapped base64, as in Binary.data', () => {
    expect(errors(ext(WRAPPED))).toEqual([]);
  });
  it('rejects a character outside the alphabet, with one issue at the value', () => {
    expect(errors(ext('SGVs!G8g'))).toEqual([
      expect.objectContaining({ code: 'value', expression: ['Patient.extension[0].value[x]'] }),
    ]);
  });
  it('answers at once a value built to make the spec pattern backtrack (groups of spaces, then a bad character)', () => {
    // The spec's `(\s*([…]){4}\s*)+` took seconds at ~100 characters of this and doubled per few more;
    // this one has 2,400. A synchronous regex cannot be interrupted by the test timeout: with the old
    // pattern this test hangs, and test/mapping/redos.test.ts fails at once on the pattern itself.
    const value = 'AAAA  '.repeat(400) + '!';
    expect(errors(ext(value))).toEqual([
      expect.objectContaining({ code: 'value', expression: ['Patient.extension[0].value[x]'] }),
    ]);
  });
});

describe('primitive extensions the packaged JSON Schema forgot', () => {
  it('accepts _baseDefinition (canonical) and _profile (array of canonical)', () => {
    const sd = {
      resourceType: 'StructureDefinition',
      url: 'http://x.org/sd',
      name: 'X',
      status: 'draft',
      kind: 'resource',
      abstract: false,
      type: 'Patient',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
      _baseDefinition: { extension: [{ url: 'http://x.org/e', valueString: 'y' }] },
      derivation: 'constraint',
      differential: {
        element: [
          {
            id: 'Patient.link.other',
            path: 'Patient.link.other',
            type: [
              {
                code: 'Reference',
                targetProfile: ['http://hl7.org/fhir/StructureDefinition/Patient'],
                _targetProfile: [{ extension: [{ url: 'http://x.org/e', valueString: 'y' }] }],
              },
            ],
          },
        ],
      },
    };
    expect(errors(sd)).toEqual([]);
  });
  it('still rejects an unknown _element', () => {
    expect(errors(patient({ _colour: { id: 'x' } }))).toEqual([
      expect.objectContaining({ expression: ['Patient._colour'] }),
    ]);
  });
});

describe('narrative size', () => {
  it('does not apply the 1 MB string cap to xhtml, but keeps it for strings', () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    const div = `<div xmlns="http://www.w3.org/1999/xhtml"><p>${big}</p></div>`;
    expect(errors(patient({ text: { status: 'generated', div } }))).toEqual([]);
    expect(errors(patient({ name: [{ family: big }] }))).toEqual([
      expect.objectContaining({ expression: ['Patient.name[0].family'] }),
    ]);
  });
});

describe('ras-2 on a prediction without probability', () => {
  const risk = (prediction: Record<string, unknown>) => ({
    resourceType: 'RiskAssessment',
    status: 'final',
    subject: { reference: 'Patient/p1' },
    prediction: [prediction],
  });
  it('passes (HL7 FHIRPath: `{} is decimal` is false)', () => {
    expect(errors(risk({ outcome: { text: 'x' } }))).toEqual([]);
  });
  it('fails when the decimal probability is above 100', () => {
    expect(errors(risk({ outcome: { text: 'x' }, probabilityDecimal: 101 }))).toEqual([
      expect.objectContaining({ code: 'invariant', expression: ['RiskAssessment.prediction[0]'] }),
    ]);
  });
});
