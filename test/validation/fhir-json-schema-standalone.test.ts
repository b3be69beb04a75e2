/**
 * The build's standalone FHIR JSON Schema validator (src/build/fhir-json-schema-standalone.ts): what a
 * compiled process loads instead of compiling the schema. It must judge exactly as the schema compiled
 * at run time does, and stay small in the heap of every process that validates (its source is kept
 * there for the life of the process): no `description` annotations, one byte per character.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import type { ValidateFunction } from 'ajv';
import { asciiSource, writeFhirJsonSchemaStandalone } from '../../src/build/fhir-json-schema-standalone';
import { jsonSchemaErrors } from '../../src/validation/fhir-json-schema';
import { REPO_ROOT } from '../../src/repo-root';

describe('asciiSource', () => {
  it('writes non-ASCII characters as escapes that mean the same in strings and regular expressions', () => {
    const code = 'module.exports = { s: "Müller 😀", re: /^ü+$/u, plain: "ascii" };';
    const escaped = asciiSource(code);
    expect([...escaped].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    const run = (src: string) => {
      const module = { exports: {} as { s: string; re: RegExp; plain: string } };
      runInNewContext(src, { module });
      return module.exports;
    };
    const before = run(code);
    const after = run(escaped);
    expect(after.s).toBe(before.s);
    expect(after.re.test('üü')).toBe(true);
    expect(after.re.test('u')).toBe(false);
    expect(after.plain).toBe('ascii');
  });

  it('returns ASCII code unchanged', () => {
    const code = 'const a = "x";';
    expect(asciiSource(code)).toBe(code);
  });
});

describe('the generated standalone validator', () => {
  let dir: string;
  let code: string;
  let standalone: ValidateFunction;

  beforeAll(() => {
    // Inside the project: the generated code requires ajv's runtime from node_modules.
    mkdirSync(join(REPO_ROOT, '.cache'), { recursive: true });
    dir = mkdtempSync(join(REPO_ROOT, '.cache', 'standalone-'));
    const file = writeFhirJsonSchemaStandalone(dir);
    code = readFileSync(file, 'utf8');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { default?: ValidateFunction } & ValidateFunction;
    standalone = mod.default ?? mod;
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is ASCII only, so V8 keeps its source at one byte per character', () => {
    let nonAscii = 0;
    for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) >= 0x80) nonAscii++;
    expect(nonAscii).toBe(0);
  });

  it('carries none of the schema description annotations', () => {
    // The root schema's and Patient's descriptions, as the packaged schema has them.
    expect(code).not.toContain('see http://hl7.org/fhir/json.html#schema');
    expect(code).not.toContain('Demographics and other administrative information about an individual');
  });

  // Elements named `description` are schema properties, not annotations: they are still checked.
  const cases: Array<[string, boolean, unknown]> = [
    [
      'a valid Patient with a non-ASCII name',
      true,
      { resourceType: 'Patient', name: [{ family: 'Müller' }] },
    ],
    [
      'a CodeSystem with a string description',
      true,
      { resourceType: 'CodeSystem', status: 'draft', content: 'complete', description: 'ok' },
    ],
    [
      'a CodeSystem whose description is a number',
      false,
      { resourceType: 'CodeSystem', status: 'draft', content: 'complete', description: 5 },
    ],
    [
      'an Observation with a status outside its required binding',
      false,
      { resourceType: 'Observation', status: 'done', code: { text: 'x' } },
    ],
    ['a Patient with an unknown element', false, { resourceType: 'Patient', nickname: 'x' }],
    ['a Patient whose gender is not a string', false, { resourceType: 'Patient', gender: 1 }],
  ];

  it.each(cases)(
    'judges %s (valid: %s) as the schema compiled at run time does',
    (_label, valid, resource) => {
      const expected = jsonSchemaErrors(resource).map((e) => [e.instancePath, e.keyword]);
      expect(expected.length === 0).toBe(valid);
      expect(standalone(resource)).toBe(valid);
      expect((standalone.errors ?? []).map((e) => [e.instancePath, e.keyword])).toEqual(expected);
    },
  );

  it('still rejects a non-string description element', () => {
    expect(
      standalone({ resourceType: 'CodeSystem', status: 'draft', content: 'complete', description: 5 }),
    ).toBe(false);
    expect(standalone.errors?.some((e) => e.instancePath === '/description')).toBe(true);
  });
});
