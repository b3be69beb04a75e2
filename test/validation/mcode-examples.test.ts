/**
 * Real external data: every example resource of the mCODE STU4 package (CC0, HL7) validates against
 * the R4 base with no error. The package is unpacked by scripts/fetch-fhir-packages.sh; this test only
 * reads the files. No example is skipped: KNOWN_FAILURES lists any that fail because of a validator
 * limit, with the reason (currently none).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isError, validateResource } from '../../src/validation';

const DIR = join(__dirname, '..', '..', '.cache', 'fhir-packages', 'hl7.fhir.us.mcode', 'example');
const KNOWN_FAILURES: Record<string, string> = {};

function examples(): { file: string; resource: { resourceType?: unknown } }[] {
  if (!existsSync(DIR)) return [];
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      resource: JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { resourceType?: unknown },
    }))
    .filter(({ resource }) => typeof resource.resourceType === 'string');
}

const all = examples();

it('the mCODE example package is present (run scripts/fetch-fhir-packages.sh)', () => {
  expect(all.length).toBeGreaterThan(100);
  expect(all.map((e) => e.resource.resourceType)).toEqual(
    expect.arrayContaining(['Bundle', 'MedicationAdministration', 'Observation']),
  );
});

describe('mCODE examples validate against FHIR R4', () => {
  it.each(all.map((e) => [e.file, e.resource] as const))('%s', (file, resource) => {
    const errors = validateResource(resource).filter(isError);
    if (KNOWN_FAILURES[file]) expect(errors.length).toBeGreaterThan(0);
    else expect(errors).toEqual([]);
  });
});
