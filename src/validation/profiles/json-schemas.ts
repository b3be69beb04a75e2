/** Compiles the plain JSON Schemas of profiles/ (draft-07 or 2020-12, chosen by their `$schema`). */
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import { ProfilesError } from './profiles-error';

const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema';
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

export function compileJsonSchema(file: string, schema: Record<string, unknown>): ValidateFunction {
  const ajv =
    schema.$schema === DRAFT_2020
      ? new Ajv2020({ strict: true, allErrors: true })
      : schema.$schema === DRAFT_07
        ? new Ajv({ strict: true, allErrors: true })
        : undefined;
  if (!ajv) throw new ProfilesError(file, `unsupported $schema ${String(schema.$schema)}`);
  try {
    return ajv.compile(schema);
  } catch (err) {
    throw new ProfilesError(file, `JSON Schema does not compile: ${(err as Error).message}`);
  }
}
