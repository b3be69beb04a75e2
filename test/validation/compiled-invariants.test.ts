/**
 * Invariants compiled once (compiled-invariants.ts) give exactly what @medplum/core's evaluation of
 * the same expression gives: every invariant of our profiles' roots, and every element and data-type
 * invariant wherever its type occurs, on every seed output, failing example and mutation; ext-1's
 * plain-JavaScript answer agrees with the expression on every shape of extension.
 */
import { evalFhirPathTyped, parseFhirPath, type Constraint, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { getProfile, warmUpValidation } from '../../src/validation';
import { compiledExpression, invariantHolds } from '../../src/validation/profiles/compiled-invariants';
import { compiledProfile } from '../../src/validation/profiles/compiled-profiles';
import { walkTyped } from '../../src/validation/rules/typed-walk';
import { brokenOutputs, validOutputs, type Case } from './output-mutations';

beforeAll(() => warmUpValidation(), 120_000);

const UCUM: TypedValue = { type: 'uri', value: 'http://unitsofmeasure.org' };

function variables(context: TypedValue, root: TypedValue): Record<string, TypedValue> {
  return { '%context': context, '%ucum': UCUM, '%resource': root, '%rootResource': root };
}

/** Result (as evalFhirPathTyped returns it) or the fact that it threw, for comparing. */
function medplumEval(expression: string, value: TypedValue, root: TypedValue): unknown {
  try {
    return evalFhirPathTyped(parseFhirPath(expression), [value], variables(value, root));
  } catch {
    return 'threw';
  }
}

function compiledEval(expression: string, value: TypedValue, root: TypedValue): unknown {
  try {
    return compiledExpression(expression)
      ?.eval({ variables: variables(value, root) }, [value])
      .map((v) => ({ type: v.type, value: (v.value as { valueOf(): unknown } | undefined)?.valueOf() }));
  } catch {
    return 'threw';
  }
}

/** Every (expression, value) pair Medplum's validator or our data-type rule evaluates on `c`. */
function evaluations(c: Case): { at: string; expression: string; value: TypedValue; root: TypedValue }[] {
  const resource = c.resource as unknown as Record<string, unknown>;
  const root: TypedValue = { type: c.resource.resourceType, value: c.resource };
  const profile = compiledProfile(getProfile(c.profile)!);
  const out = (profile.constraints ?? []).map((k) => ({
    at: k.key,
    expression: k.expression,
    value: root,
    root,
  }));
  walkTyped(resource, c.resource.resourceType, (node) => {
    const own: Constraint[] = node.element ? (node.schema.constraints ?? []) : [];
    for (const k of [...(node.element?.constraints ?? []), ...own]) {
      if (k.key === 'ele-1') continue;
      out.push({
        at: `${node.path} ${k.key}`,
        expression: k.expression,
        value: { type: node.type, value: node.value },
        root,
      });
    }
  });
  return out;
}

describe('compiled invariants', () => {
  const cases = [...validOutputs(), ...brokenOutputs()];

  it('give the results of @medplum/core on every output, failing example and mutation', () => {
    let compared = 0;
    const differing: string[] = [];
    for (const c of cases) {
      for (const { at, expression, value, root } of evaluations(c)) {
        compared++;
        const expected = medplumEval(expression, value, root);
        if (JSON.stringify(compiledEval(expression, value, root)) !== JSON.stringify(expected))
          differing.push(`${c.name}: ${at}`);
      }
    }
    expect(differing).toEqual([]);
    expect(compared).toBeGreaterThan(cases.length * 10);
  });

  it('cover the invariants of both profiles and of the data types in them', () => {
    const keys = new Set(cases.flatMap((c) => evaluations(c).map((e) => e.at.split(' ').pop())));
    for (const key of ['bbc-12', 'bbc-19', 'bbf-8', 'ext-1', 'per-1', 'qty-3', 'tim-1'])
      expect(keys).toContain(key);
  });

  it('an expression @medplum/core cannot parse has no compiled form', () => {
    expect(compiledExpression('extension.where(')).toBeNull();
  });
});

describe('ext-1 in plain JavaScript', () => {
  const EXT_1 = 'extension.exists() != value.exists()';
  const shapes: unknown[] = [
    null,
    'x',
    [{ url: 'u', valueString: 'x' }],
    { url: 'u', valueString: 'x' },
    { url: 'u', valueBoolean: false },
    { url: 'u', valueInteger: 0 },
    { url: 'u', valueReference: { reference: 'Patient/p' } },
    { url: 'u', extension: [{ url: 'a', valueString: 'x' }] },
    { url: 'u', extension: [{ url: 'a', valueString: 'x' }], valueString: 'x' },
    { url: 'u' },
    { url: 'u', valueString: '' },
    { url: 'u', valueCoding: {} },
    { url: 'u', extension: [] },
    { url: 'u', extension: [{}] },
    { url: 'u', extension: [null] },
    { url: 'u', valueString: 'x', valueCode: 'y' },
    { url: 'u', _valueString: { extension: [{ url: 'a', valueString: 'x' }] } },
    { url: 'u', valueFoo: 'x' },
    { url: 'u', value: 'x' },
  ];

  it.each(shapes.map((s) => [JSON.stringify(s), s]))('%s', (_label, value) => {
    const tv: TypedValue = { type: 'Extension', value };
    const root: TypedValue = { type: 'Basic', value: { resourceType: 'Basic' } as Resource };
    const expected = medplumEval(EXT_1, tv, root);
    const medplumHolds = Array.isArray(expected) && expected.length === 1 && expected[0].value === true;
    expect(invariantHolds(EXT_1, tv, { resource: root, root })).toBe(medplumHolds);
  });
});
