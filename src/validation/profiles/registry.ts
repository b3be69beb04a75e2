/**
 * The profiles/ registry: our StructureDefinitions, CodeSystems, ValueSets and JSON Schemas, read
 * from one directory, checked at start-up (profile-checks.ts) and then served by canonical URL.
 * `loadProfiles()` throws a ProfilesError naming the file and the problem; nothing half-loaded is
 * kept. Getters load the default directory on first use.
 */
import { loadDataType } from '@medplum/core';
import type { CodeSystem, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import type { ValidateFunction } from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadFhirDefinitions } from '../fhir-definitions';
import { checkProfiles, type ProfileFile } from './profile-checks';
import { ProfilesError } from './profiles-error';
import { compileJsonSchema } from './json-schemas';
import { expandValueSets, type ValueSetExpansion } from './value-set-expansion';

export { ProfilesError } from './profiles-error';

export interface ProfileRegistry {
  readonly dir: string;
  readonly structureDefinitions: ReadonlyMap<string, StructureDefinition>;
  readonly codeSystems: ReadonlyMap<string, CodeSystem>;
  readonly valueSets: ReadonlyMap<string, ValueSet>;
  /** ValueSet url → the codes it contains. */
  readonly expansions: ReadonlyMap<string, ValueSetExpansion>;
  /** JSON Schema `$id` → compiled validator. */
  readonly jsonSchemas: ReadonlyMap<string, ValidateFunction>;
}

let active: ProfileRegistry | undefined;

/** The repository's profiles/ directory (found upwards from this file, so it works from dist/ too). */
export function defaultProfilesDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new ProfilesError('profiles/', 'cannot find the repository root');
    dir = up;
  }
  return join(dir, 'profiles');
}

function readProfileFiles(dir: string): ProfileFile[] {
  if (!existsSync(dir)) throw new ProfilesError(dir, 'profiles directory does not exist');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => {
      try {
        return { name, json: JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown };
      } catch {
        throw new ProfilesError(name, 'not valid JSON');
      }
    });
}

/** Reads and checks every JSON file of `dir`, then makes it the active registry. */
export function loadProfiles(dir: string = defaultProfilesDir()): ProfileRegistry {
  loadFhirDefinitions();
  const checked = checkProfiles(readProfileFiles(dir));
  const jsonSchemas = new Map<string, ValidateFunction>();
  for (const { name, schema } of checked.jsonSchemas) {
    jsonSchemas.set(String(schema.$id), compileJsonSchema(name, schema));
  }
  const registry: ProfileRegistry = {
    dir,
    structureDefinitions: checked.structureDefinitions,
    codeSystems: checked.codeSystems,
    valueSets: checked.valueSets,
    expansions: expandValueSets(checked.valueSets, checked.codeSystems),
    jsonSchemas,
  };
  // Only now that everything passed: make our types known to @medplum/core (for profile lookups).
  for (const sd of registry.structureDefinitions.values()) loadDataType(sd);
  active = registry;
  return registry;
}

export function profileRegistry(): ProfileRegistry {
  return active ?? loadProfiles();
}

export function getProfile(url: string): StructureDefinition | undefined {
  return profileRegistry().structureDefinitions.get(url);
}

export function getCodeSystem(url: string): CodeSystem | undefined {
  return profileRegistry().codeSystems.get(url);
}

export function getValueSet(url: string): ValueSet | undefined {
  return profileRegistry().valueSets.get(url);
}

/** The compiled JSON Schema with this `$id` (e.g. the registry-row schema). */
export function getJsonSchema(id: string): ValidateFunction | undefined {
  return profileRegistry().jsonSchemas.get(id);
}
