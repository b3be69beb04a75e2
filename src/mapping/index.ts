/**
 * The mapping engine: one FHIR resource in, normalised clinical events out. Pure and deterministic:
 * the same resource and mapping data always give the same result, and it never throws — a resource
 * that breaks a mapper yields status 'error' with an issue, not an exception.
 *
 *   const mappings = loadMappings('mappings');            // once, at start-up (throws on bad data)
 *   const result = mapResource(resource, { source, mappings, resolve });
 */
import type { Resource } from '@medplum/fhirtypes';
import { mapAdverseEvent } from './adverse-event';
import { mapCondition } from './condition';
import { mapMedicationAdministration, mapMedicationRequest } from './medication-administration';
import { mapObservation } from './observation';
import { mapProcedure } from './procedure';
import { errorResult, ignored, issue, Unmappable } from './result';
import type { MappingContext, MappingResult } from './types';

export { loadMappings, MappingDataError, CONCEPT_SYSTEM } from './load';
export { referencesToResolve } from './references';
export { CONCEPT_IDS } from './types';
export type { MappingContext, MappingResult, MappingSet, MappingStatus, ConceptId } from './types';

type Mapper = (resource: never, ctx: MappingContext) => MappingResult;

const MAPPERS: Record<string, Mapper> = {
  Observation: mapObservation,
  Condition: mapCondition,
  MedicationAdministration: mapMedicationAdministration,
  MedicationRequest: mapMedicationRequest,
  Procedure: mapProcedure,
  AdverseEvent: mapAdverseEvent,
};

/** The resource types mapResource reads; every other type is `ignored`. */
export const MAPPED_RESOURCE_TYPES: readonly string[] = Object.keys(MAPPERS);

export function mapResource(resource: Resource, ctx: MappingContext): MappingResult {
  const type = resource && typeof resource === 'object' ? resource.resourceType : undefined;
  // Own keys only: a resourceType of "constructor" must not find Object's.
  const mapper = typeof type === 'string' && Object.hasOwn(MAPPERS, type) ? MAPPERS[type] : undefined;
  if (!mapper) {
    const shown = typeof type === 'string' && /^[A-Za-z]{1,64}$/.test(type) ? type : '(invalid)';
    return ignored(`resource type ${shown} is not mapped`);
  }
  try {
    return mapper(resource as never, ctx);
  } catch (e) {
    if (e instanceof Unmappable) return errorResult(e);
    // A schema-valid but unexpected shape broke a mapper: report it on this resource, never throw.
    return {
      events: [],
      status: 'error',
      issues: [
        issue(
          'error',
          'exception',
          `${type}: mapping failed (${e instanceof Error ? e.name : 'unknown'})`,
          type,
        ),
      ],
    };
  }
}
