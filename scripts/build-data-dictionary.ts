/**
 * Writes profiles/registry-row.dictionary.md from profiles/registry-row.schema.json (generated, so it is
 * in .prettierignore; test/unit/export/data-dictionary.test.ts fails when it is stale):
 *   node -r ts-node/register/transpile-only scripts/build-data-dictionary.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDictionary, type RowSchema } from '../src/export/data-dictionary';

export function buildDictionary(dir: string): string {
  const schema = JSON.parse(readFileSync(join(dir, 'registry-row.schema.json'), 'utf8')) as RowSchema;
  return dataDictionary(schema);
}

if (require.main === module) {
  const dir = join(__dirname, '..', 'profiles');
  writeFileSync(join(dir, 'registry-row.dictionary.md'), buildDictionary(dir));
}
