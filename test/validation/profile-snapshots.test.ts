/** The committed snapshots are exactly what scripts/build-profile-snapshots.ts generates. */
import type { StructureDefinition } from '@medplum/fhirtypes';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotFileContents } from '../../scripts/build-profile-snapshots';
import { baseStructureDefinition } from '../../src/validation/fhir-definitions';
import { withSnapshot } from '../../src/validation/profiles/snapshot';

const DIR = join(__dirname, '..', '..', 'profiles');
const files = readdirSync(DIR)
  .filter((f) => f.startsWith('StructureDefinition-') && f.endsWith('.json'))
  .sort();

describe('profile snapshots are current', () => {
  it('there are profiles to check', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'StructureDefinition-blinatumomab-course.json',
        'StructureDefinition-course-flag.json',
      ]),
    );
  });

  it.each(files)('%s', (file) => {
    const committed = readFileSync(join(DIR, file), 'utf8');
    expect(snapshotFileContents(JSON.parse(committed) as StructureDefinition)).toBe(committed);
  });
});

describe('withSnapshot', () => {
  const differentialOnly = (
    element: NonNullable<StructureDefinition['differential']>['element'],
  ): StructureDefinition => ({
    resourceType: 'StructureDefinition',
    url: 'http://example.org/StructureDefinition/x',
    name: 'X',
    status: 'draft',
    kind: 'complex-type',
    abstract: false,
    type: 'Extension',
    differential: { element },
  });

  it('puts slices after the sliced element and expands their children from the type', () => {
    const sd = withSnapshot(
      differentialOnly([
        { id: 'Extension.extension', path: 'Extension.extension', slicing: { rules: 'closed' } },
        { id: 'Extension.extension:a', path: 'Extension.extension', sliceName: 'a', min: 1 },
        { id: 'Extension.extension:a.url', path: 'Extension.extension.url', fixedUri: 'a' },
      ]),
      baseStructureDefinition,
    );
    const ids = (sd.snapshot?.element ?? []).map((e) => e.id);
    expect(ids.slice(0, 8)).toEqual([
      'Extension',
      'Extension.id',
      'Extension.extension',
      'Extension.extension:a',
      'Extension.extension:a.id',
      'Extension.extension:a.extension',
      'Extension.extension:a.url',
      'Extension.extension:a.value[x]',
    ]);
    const a = sd.snapshot?.element?.find((e) => e.id === 'Extension.extension:a');
    expect(a).toMatchObject({ sliceName: 'a', min: 1, path: 'Extension.extension' });
    expect(a?.slicing).toBeUndefined();
    expect(sd.snapshot?.element?.find((e) => e.id === 'Extension.extension:a.url')?.fixedUri).toBe('a');
  });

  it('adds invariants to the base ones and rejects elements the base does not have', () => {
    const sd = withSnapshot(
      differentialOnly([
        {
          id: 'Extension',
          path: 'Extension',
          constraint: [{ key: 'x-1', severity: 'error', human: 'h', expression: 'true' }],
        },
      ]),
      baseStructureDefinition,
    );
    expect(sd.snapshot?.element?.[0].constraint?.map((c) => c.key)).toEqual(
      expect.arrayContaining(['ele-1', 'ext-1', 'x-1']),
    );
    expect(() =>
      withSnapshot(
        differentialOnly([{ id: 'Extension.nope', path: 'Extension.nope' }]),
        baseStructureDefinition,
      ),
    ).toThrow(/does not exist/);
    expect(() =>
      withSnapshot(
        differentialOnly([{ id: 'Extension.url', path: 'Extension.uri' }]),
        baseStructureDefinition,
      ),
    ).toThrow(/does not match/);
  });
});
