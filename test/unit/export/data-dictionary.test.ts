/** The committed data dictionary is the one generated from the registry-row schema. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDictionary } from '../../../scripts/build-data-dictionary';

const PROFILES = join(__dirname, '..', '..', '..', 'profiles');

describe('registry CSV data dictionary', () => {
  it('is up to date with profiles/registry-row.schema.json (run scripts/build-data-dictionary.ts)', () => {
    expect(readFileSync(join(PROFILES, 'registry-row.dictionary.md'), 'utf8')).toBe(
      buildDictionary(PROFILES),
    );
  });

  it('describes every column of both tables', () => {
    const schema = JSON.parse(readFileSync(join(PROFILES, 'registry-row.schema.json'), 'utf8')) as {
      $defs: Record<string, { required: string[]; properties: Record<string, { description?: string }> }>;
    };
    for (const def of ['courseRow', 'flagRow']) {
      const { required, properties } = schema.$defs[def]!;
      expect(Object.keys(properties)).toEqual(required);
      for (const column of required)
        expect([column, properties[column]!.description ?? '']).not.toEqual([column, '']);
    }
  });
});
