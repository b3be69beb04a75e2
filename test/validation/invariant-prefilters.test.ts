/**
 * The data-type invariant rule skips FHIRPath where an invariant cannot fail (`NEEDS`): a value the
 * prefilter waves through must be one the invariant's own expression holds on (or cannot judge), for
 * any JSON the sender may put in those elements, not only the well-formed shapes.
 */
import fc from 'fast-check';
import { tryGetDataType } from '@medplum/core';
import { NEEDS } from '../../src/validation/rules/datatype-invariants';
import { evaluateInvariant, isSingle } from '../../src/validation/profiles/compiled-invariants';
import { loadFhirDefinitions } from '../../src/validation/fhir-definitions';

const TYPE_OF: Record<string, string> = {
  'ref-1': 'Reference',
  'qty-3': 'Quantity',
  'per-1': 'Period',
  'rng-2': 'Range',
  'att-1': 'Attachment',
  'cpt-2': 'ContactPoint',
  'sqty-1': 'SimpleQuantity',
};

/** Values a sender can put anywhere: text (empty too), numbers, null, arrays, objects, dates, quantities. */
const anyValue = fc.oneof(
  fc.constantFrom(
    '',
    'mg',
    '#p1',
    'Patient/1',
    'http://unitsofmeasure.org',
    '2024-01-01',
    '2023-12-31T10:00:00Z',
  ),
  fc.string({ maxLength: 4 }),
  fc.integer(),
  fc.constant(null),
  fc.constant([]),
  fc.constant(['x']),
  fc.constant({}),
  fc.constant({ value: 1, system: 'http://unitsofmeasure.org', code: 'mg' }),
  fc.constant({ value: 5, code: 'mg' }),
);
const ELEMENTS = [
  'reference',
  'code',
  'system',
  'value',
  'unit',
  'start',
  'end',
  'low',
  'high',
  'data',
  'contentType',
  'comparator',
];
const element = fc.dictionary(fc.constantFrom(...ELEMENTS), anyValue, { maxKeys: 5 });

function expressionOf(key: string): string {
  const c = tryGetDataType(TYPE_OF[key])?.constraints?.find((x) => x.key === key);
  if (!c) throw new Error(`no constraint ${key} on ${TYPE_OF[key]}`);
  return c.expression;
}

describe('invariant prefilters (NEEDS)', () => {
  beforeAll(() => loadFhirDefinitions());

  it('name only invariants of the types they are written for', () => {
    expect(Object.keys(NEEDS).sort()).toEqual(Object.keys(TYPE_OF).sort());
  });

  it.each(Object.keys(TYPE_OF))(
    '%s: whatever the prefilter skips, the expression does not find false',
    (key) => {
      const expression = expressionOf(key);
      const needs = NEEDS[key];
      fc.assert(
        fc.property(element, (v) => {
          if (needs(v)) return;
          const value = { type: TYPE_OF[key], value: v };
          const root = { type: 'Observation', value: { resourceType: 'Observation' } };
          const result = evaluateInvariant(expression, value, { resource: root, root });
          expect(result === undefined || !isSingle(result, false)).toBe(true);
        }),
        { numRuns: 400 },
      );
    },
  );

  it('qty-3 is evaluated for a code whose system is missing, empty or not text', () => {
    expect(NEEDS['qty-3']({ code: 'mg' })).toBe(true);
    expect(NEEDS['qty-3']({ code: 'mg', system: '' })).toBe(true);
    expect(NEEDS['qty-3']({ code: 'mg', system: 7 })).toBe(true);
    expect(NEEDS['qty-3']({ code: 'mg', system: 'http://unitsofmeasure.org' })).toBe(false);
  });
});
