/**
 * Invariants compiled once (compiled-invariants.ts) give exactly what @medplum/core's evaluation of
 * the same expression gives: every invariant of our profiles' roots, and every element and data-type
 * invariant wherever its type occurs, on every seed output, failing example and mutation; ext-1's
 * plain-JavaScript answer agrees with the expression on every shape of extension.
 */
import {
  evalFhirPathTyped,
  getAllDataTypes,
  parseFhirPath,
  type Constraint,
  type TypedValue,
} from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { getProfile, warmUpValidation } from '../../src/validation';
import {
  compiledExpression,
  HOLDS_WITHOUT,
  invariantHolds,
} from '../../src/validation/profiles/compiled-invariants';
import { compiledProfile } from '../../src/validation/profiles/compiled-profiles';
import { walkTyped } from '../../src/validation/rules/typed-walk';
import { syntheaInputs } from './input-mutations';
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

/** medplumEval with each value unboxed, as compiledEval gives it. */
function medplumNormalised(expression: string, value: TypedValue, root: TypedValue): unknown {
  const r = medplumEval(expression, value, root);
  return Array.isArray(r)
    ? (r as TypedValue[]).map((v) => ({
        type: v.type,
        value: (v.value as { valueOf(): unknown } | undefined)?.valueOf(),
      }))
    : r;
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

describe("where(url = '…') on extensions, answered by comparing the text", () => {
  const U = 'http://example.org/x';
  // Every item shape the comparison must answer as @medplum/core does, the plain ones and those it
  // hands to the general evaluation (a `_url`, a url that is not one string, another type, a resource).
  const items: unknown[] = [
    { url: U, valueString: 'a' },
    { url: 'http://example.org/y', valueString: 'b' },
    { url: '', valueString: 'c' },
    { url: [U], valueString: 'd' },
    { url: [U, U] },
    { url: 5 },
    { url: null },
    { url: { value: U } },
    { url: U, _url: { id: 'i' } },
    { _url: { extension: [{ url: 'e', valueString: 'f' }] } },
    { valueString: 'no url' },
    { resourceType: 'url', url: U },
    { resourceType: 'Basic', url: U },
    {},
    null,
    'x',
    7,
    [{ url: U }],
  ];
  const expressions = [
    `extension.where(url = '${U}')`,
    `extension.where(url = '${U}').value`,
    `extension.where(url = '${U}').count()`,
    `extension.where(url = '${U}').extension.where(url = 'e').exists()`,
    `modifierExtension.where(url = '${U}').exists()`,
    `extension.where(url = '${U}' or url = 'http://example.org/y').count()`,
    `extension.where(url = '').count()`,
    // Not an Extension: a Coding has no url element, an Attachment has one.
    `code.coding.where(url = '${U}').count()`,
    `extension.value.ofType(Attachment).where(url = '${U}').count()`,
  ];

  it.each(items.map((item) => [JSON.stringify(item) ?? String(item), item]))('%s', (_label, item) => {
    const basic = {
      resourceType: 'Basic',
      extension: [item, { url: 'a', valueAttachment: item }],
      modifierExtension: [item],
      code: { coding: [item] },
    };
    const root: TypedValue = { type: 'Basic', value: basic as Resource };
    for (const expression of expressions) {
      expect([expression, compiledEval(expression, root, root)]).toEqual([
        expression,
        medplumNormalised(expression, root, root),
      ]);
    }
  });

  it('keeps the order and identity of the extensions picked, among others', () => {
    const list = [
      { url: U, valueString: '1' },
      { url: 'http://example.org/y', valueString: '2' },
      { url: U, valueString: '3' },
      { url: U, _url: { id: 'i' }, valueString: '4' },
    ];
    const root: TypedValue = { type: 'Basic', value: { resourceType: 'Basic', extension: list } as Resource };
    const picked = compiledExpression(`extension.where(url = '${U}')`)!.eval(
      { variables: variables(root, root) },
      [root],
    );
    expect(picked.map((p) => p.value)).toEqual([list[0], list[2], list[3]]);
    expect(picked[0].value).toBe(list[0]);
    expect(compiledEval(`extension.where(url = '${U}')`, root, root)).toEqual(
      medplumNormalised(`extension.where(url = '${U}')`, root, root),
    );
  });
});

describe('root invariants that hold without an element (HOLDS_WITHOUT)', () => {
  /** Every (type, expression) of the R4 resource definitions that the table names. */
  const definedAt = (expression: string): string[] =>
    Object.values(getAllDataTypes())
      .filter((s) => s.kind === 'resource' && s.constraints?.some((k) => k.expression === expression))
      .map((s) => s.type);

  it.each([...HOLDS_WITHOUT.keys()].map((e) => [e]))('is an R4 resource invariant: %s', (expression) => {
    expect(definedAt(expression).length).toBeGreaterThan(0);
  });

  /** Resources with and without each named element, in every shape that matters to "absent". */
  const resources = (): Resource[] => {
    const base = syntheaInputs(2, 3).map((c) => c.resource as Resource);
    const contained = { resourceType: 'Medication', id: 'm', meta: { versionId: '1' } };
    const extras: Record<string, unknown>[] = [
      { contained: [contained] },
      { contained: [{ ...contained, contained: [contained] }] },
      { contained: [{ ...contained, meta: { security: [{ code: 'R' }] } }] },
      { _contained: [{ extension: [{ url: 'u', valueString: 'x' }] }] },
      { dataAbsentReason: { text: 'x' } },
      { dataAbsentReason: { text: 'x' }, valueString: 'x' },
      { dataAbsentReason: { text: 'x' }, _valueString: { extension: [{ url: 'u', valueString: 'x' }] } },
      {
        valueString: 'x',
        component: [{ code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] } }],
      },
      { abatementDateTime: '2020-01-01', clinicalStatus: { coding: [{ code: 'active' }] } },
      { _abatementDateTime: { extension: [{ url: 'u', valueString: 'x' }] } },
      { abatementString: 'gone' },
      { abatementString: 'gone', clinicalStatus: undefined },
      {
        verificationStatus: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
              code: 'entered-in-error',
            },
          ],
        },
      },
      { clinicalStatus: undefined, verificationStatus: { text: 'x' } },
    ];
    return base.flatMap((r) => [r, ...extras.map((x) => ({ ...r, ...x }) as Resource)]);
  };

  it('answer as the evaluation does wherever they answer', () => {
    let answered = 0;
    const differing: string[] = [];
    for (const r of resources()) {
      const root: TypedValue = { type: r.resourceType, value: r };
      for (const [expression] of HOLDS_WITHOUT) {
        if (!definedAt(expression).includes(r.resourceType)) continue;
        const expected = medplumEval(expression, root, root);
        const holds = Array.isArray(expected) && expected.length === 1 && expected[0].value === true;
        if (invariantHolds(expression, root, { resource: root, root }) !== holds)
          differing.push(`${r.resourceType} ${JSON.stringify(r).slice(0, 120)}: ${expression}`);
        answered++;
      }
    }
    expect(differing).toEqual([]);
    expect(answered).toBeGreaterThan(100);
  });
});
