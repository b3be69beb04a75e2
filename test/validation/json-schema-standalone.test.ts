/**
 * The build's standalone JSON Schema validator (src/build/fhir-json-schema-standalone.ts) is what
 * compiled processes load: generated here into a temporary folder, it must be plain ASCII (V8 keeps
 * its source as one byte per character), hold no description annotations, and answer every input
 * exactly as ajv compiling the packaged schema with its descriptions does.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { asciiOnly, writeFhirJsonSchemaStandalone } from '../../src/build/fhir-json-schema-standalone';
import { adjustedFhirSchema, fhirSchemaAjv } from '../../src/validation/fhir-json-schema';
import { REPO_ROOT } from '../../src/repo-root';
import { mutatedInputs, syntheaInputs } from './input-mutations';

const EXAMPLES = join(REPO_ROOT, '.cache', 'fhir-packages', 'hl7.fhir.r4.examples');

/** Evaluates one JavaScript expression. */
const evaluate = (code: string): unknown => new Function(`return (${code});`)() as unknown;

describe('asciiOnly', () => {
  test('any string literal means the same, and nothing outside ASCII is left', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const code = asciiOnly(JSON.stringify(s));
        expect(/[\u0080-\uffff]/.test(code)).toBe(false);
        expect(evaluate(code)).toBe(s);
      }),
    );
  });

  test('regex and template literals, comments, and a character already escaped by a backslash', () => {
    const cases = [
      String.raw`/^[’“”]+$/u.test("“’”")`,
      String.raw`/^\’$/.test("’")`,
      String.raw`"\’" + '\\’' + "\\\’"`,
      '`a‑b ${"…"}` /* “quoted” */',
      String.raw`new RegExp("^\\’…$").test("’…")`,
    ];
    for (const code of cases) {
      const ascii = asciiOnly(code);
      expect(/[\u0080-\uffff]/.test(ascii)).toBe(false);
      expect(evaluate(ascii)).toEqual(evaluate(code));
    }
    expect(asciiOnly('plain')).toBe('plain');
  });
});

describe('the standalone validator', () => {
  let dir: string;
  let code: string;
  let standalone: ValidateFunction;
  let withDescriptions: ValidateFunction;

  beforeAll(() => {
    // Inside the project, so the generated code's require('ajv/dist/runtime/…') resolves.
    mkdirSync(join(REPO_ROOT, 'node_modules', '.cache'), { recursive: true });
    dir = mkdtempSync(join(REPO_ROOT, 'node_modules', '.cache', 'json-schema-standalone-'));
    const file = writeFhirJsonSchemaStandalone(dir);
    code = readFileSync(file, 'utf8');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { default?: ValidateFunction } & ValidateFunction;
    standalone = mod.default ?? mod;
    withDescriptions = fhirSchemaAjv().compile(adjustedFhirSchema(true));
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('is plain ASCII and carries no description annotations', () => {
    expect(/[\u0080-\uffff]/.test(code)).toBe(false);
    expect(code).not.toMatch(/"description":"/);
    // The packaged schema has them: what was dropped was there.
    expect(JSON.stringify(adjustedFhirSchema(true))).toMatch(/"description":"/);
    // An element named `description` is still checked (it is a property, not an annotation).
    const plan = {
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/p' },
    };
    expect(standalone({ ...plan, description: 'x' })).toBe(true);
    expect(standalone({ ...plan, description: 5 })).toBe(false);
  });

  test('answers as the schema with its descriptions, on valid and broken resources of many types', () => {
    const inputs = syntheaInputs(1, 3).flatMap((c) => [c, ...mutatedInputs(c)]);
    if (existsSync(EXAMPLES)) {
      // A deterministic sample of the spec's examples (many types): every 10th file in name order,
      // under 20 kB (the large ones are Bundles and definitions: slow to mutate, nothing new to show).
      const files = readdirSync(EXAMPLES)
        .filter((f) => f.endsWith('.json') && f !== 'package.json' && !f.startsWith('.'))
        .sort()
        .filter((f, i) => i % 10 === 0 && statSync(join(EXAMPLES, f)).size < 20_000);
      for (const f of files) {
        const resource = JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8'));
        const c = { name: f, resource };
        inputs.push(c, ...mutatedInputs(c));
      }
    }
    const answer = (v: ValidateFunction, r: unknown) => {
      const ok = v(r);
      const errors = (v.errors ?? []).map((e: ErrorObject) => ({
        instancePath: e.instancePath,
        schemaPath: e.schemaPath,
        keyword: e.keyword,
        params: e.params,
        message: e.message,
      }));
      return { ok, errors: ok ? [] : errors };
    };
    let invalid = 0;
    const types = new Set<string>();
    for (const c of inputs) {
      const expected = answer(withDescriptions, c.resource);
      const got = answer(standalone, c.resource);
      if (!expected.ok) invalid++;
      types.add(String((c.resource as { resourceType?: unknown }).resourceType));
      // Compared as text first: expect's deep equality on every input took most of the test's time.
      if (JSON.stringify(got) !== JSON.stringify(expected))
        expect({ name: c.name, ...got }).toEqual({ name: c.name, ...expected });
    }
    // Both kinds were compared, on more than the Synthea-shaped types when the examples are at hand.
    expect(types.size).toBeGreaterThan(existsSync(EXAMPLES) ? 40 : 3);
    expect(invalid).toBeGreaterThan(10);
    expect(inputs.length - invalid).toBeGreaterThan(10);
  });
});
