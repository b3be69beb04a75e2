/** loadProfiles(): the real profiles/ loads; each kind of malformed profiles directory is rejected. */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultProfilesDir,
  getCodeSystem,
  getJsonSchema,
  getProfile,
  getValueSet,
  loadProfiles,
  ProfilesError,
} from '../../src/validation';
import { BASE } from './profile-fixtures';
import { FLAG_CODES } from '../../src/domain/flags/render';

const SOURCE = defaultProfilesDir();
let dir: string;
type Json = Record<string, unknown>;

function edit(file: string, change: (json: Json) => void): void {
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Json;
  change(json);
  writeFileSync(path, JSON.stringify(json));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bb-profiles-'));
  cpSync(SOURCE, dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the real profiles/', () => {
  it('loads, with every definition reachable by url', () => {
    const registry = loadProfiles(SOURCE);
    expect(registry.structureDefinitions.size).toBe(10);
    expect(getProfile(`${BASE}/StructureDefinition/blinatumomab-course`)?.type).toBe('MedicationStatement');
    expect(getProfile(`${BASE}/StructureDefinition/course-flag`)?.type).toBe('DetectedIssue');
    expect(getCodeSystem(`${BASE}/CodeSystem/course-flag`)?.concept).toHaveLength(17);
    expect(getValueSet(`${BASE}/ValueSet/response`)).toBeDefined();
    expect(
      registry.expansions.get(`${BASE}/ValueSet/mrd-response`)?.get(`${BASE}/CodeSystem/mrd-response`)?.size,
    ).toBe(3);
    expect(getJsonSchema(`${BASE}/schema/registry-row`)).toBeDefined();
  });

  it('the course-flag CodeSystem has exactly the flag codes of the domain', () => {
    const codes = (getCodeSystem(`${BASE}/CodeSystem/course-flag`)?.concept ?? []).map((c) => c.code).sort();
    expect(codes).toEqual([...FLAG_CODES].sort());
  });
});

describe('a malformed profiles directory is rejected', () => {
  const course = 'StructureDefinition-course-cycle.json';
  const cases: { name: string; damage: () => void; message: RegExp }[] = [
    {
      name: 'invalid JSON',
      damage: () => writeFileSync(join(dir, 'CodeSystem-response.json'), '{ nope'),
      message: /CodeSystem-response.json: not valid JSON/,
    },
    {
      name: 'an unknown kind of file',
      damage: () => writeFileSync(join(dir, 'notes.json'), '{"hello": 1}'),
      message: /notes.json: not a StructureDefinition/,
    },
    {
      name: 'a StructureDefinition without snapshot',
      damage: () => edit(course, (j) => delete j.snapshot),
      message: /course-cycle.json: StructureDefinition has no snapshot/,
    },
    {
      name: 'a duplicate url',
      damage: () =>
        edit('StructureDefinition-course-link.json', (j) =>
          Object.assign(j, { id: 'course-cycle', url: `${BASE}/StructureDefinition/course-cycle` }),
        ),
      message: /is also defined in/,
    },
    {
      name: 'a url that does not match the id',
      damage: () => edit('ValueSet-response.json', (j) => Object.assign(j, { id: 'responses' })),
      message: /ValueSet-response.json: url must be/,
    },
    {
      name: 'a missing extension used by the course',
      damage: () => unlinkSync(join(dir, 'StructureDefinition-course-number.json')),
      message: /blinatumomab-course.json: extension .*course-number is not defined/,
    },
    {
      name: 'a missing ValueSet bound by a profile',
      damage: () => unlinkSync(join(dir, 'ValueSet-course-flag.json')),
      message: /ValueSet .*ValueSet\/course-flag is not defined/,
    },
    {
      name: 'a ValueSet including an unknown CodeSystem',
      damage: () =>
        edit('ValueSet-response.json', (j) =>
          Object.assign(j, { compose: { include: [{ system: `${BASE}/CodeSystem/nope` }] } }),
        ),
      message: /ValueSet-response.json: includes unknown CodeSystem/,
    },
    {
      name: 'a concept without definition',
      damage: () => edit('CodeSystem-response.json', (j) => delete (j.concept as Json[])[0].definition),
      message: /concept CR needs a display and a definition/,
    },
    {
      name: 'a wrong concept count',
      damage: () => edit('CodeSystem-response.json', (j) => Object.assign(j, { count: 9 })),
      message: /count is 9/,
    },
    {
      name: 'an invariant that is not FHIRPath',
      damage: () =>
        edit('StructureDefinition-course-flag.json', (j) => {
          const root = ((j.snapshot as Json).element as Json[])[0];
          (root.constraint as Json[]).push({
            key: 'bbf-99',
            severity: 'error',
            human: 'x',
            expression: 'extension.where((',
          });
        }),
      message: /course-flag.json: invariant is not valid FHIRPath/,
    },
    {
      name: 'an invariant naming an undefined extension',
      damage: () =>
        edit('StructureDefinition-course-flag.json', (j) => {
          const root = ((j.snapshot as Json).element as Json[])[0];
          (root.constraint as Json[]).push({
            key: 'bbf-98',
            severity: 'error',
            human: 'x',
            expression: `extension.where(url = '${BASE}/StructureDefinition/flag-colour').empty()`,
          });
        }),
      message: /extension used by an invariant .*flag-colour is not defined/,
    },
    {
      name: 'a StructureDefinition that is not valid FHIR',
      damage: () =>
        edit('StructureDefinition-flag-grade.json', (j) => Object.assign(j, { status: 'finished' })),
      message: /flag-grade.json: not a valid FHIR R4 StructureDefinition/,
    },
    {
      name: 'a JSON Schema that does not compile',
      damage: () => edit('registry-row.schema.json', (j) => Object.assign(j, { type: 'tabel' })),
      message: /registry-row.schema.json: JSON Schema does not compile/,
    },
    {
      name: 'a directory that does not exist',
      damage: () => rmSync(dir, { recursive: true, force: true }),
      message: /profiles directory does not exist/,
    },
  ];
  it.each(cases)('$name', ({ damage, message }) => {
    damage();
    let thrown: unknown;
    try {
      loadProfiles(dir);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProfilesError);
    expect((thrown as Error).message).toMatch(message);
  });

  it('a rejected directory leaves the loaded registry in place', () => {
    loadProfiles(SOURCE);
    unlinkSync(join(dir, 'StructureDefinition-course-number.json'));
    expect(() => loadProfiles(dir)).toThrow(ProfilesError);
    expect(getProfile(`${BASE}/StructureDefinition/course-number`)).toBeDefined();
  });
});
