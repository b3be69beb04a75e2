/**
 * Mapping before storing, where the stored version cannot change the outcome. Most resources of a
 * hospital feed map to no events at all (an Encounter, a blood pressure, a Condition unrelated to the
 * leukaemia). When a resource's mapping needs no other stored resource (mapping/references.ts:
 * nothing to resolve), it is mapped once, before it is stored:
 * - no events: the apply script stores the version as already ingested and removes the resource's
 *   earlier events in the same call, so no events write and no later mapping are needed;
 * - events: they go to the mapping step with the stored version stamped on their source, instead of
 *   mapping the resource a second time.
 *
 * Sound because mappers read the version (meta.versionId) only to cite it as each event's source
 * (EventCollector, stamped later by `citingVersion`); test/mapping/premap.test.ts checks, on every example at hand, that the outcome
 * with the version stamped equals mapping the stored version.
 */
import type { Resource } from '@medplum/fhirtypes';
import { referencesToResolve } from '../mapping/references';
import type { MappingResult } from '../mapping/types';
import type { ResourceMapper } from './map-items';

export function premapper(
  map: ResourceMapper,
  source: string,
): (resource: Resource) => MappingResult | undefined {
  return (resource) => {
    if (referencesToResolve(resource).length) return undefined;
    try {
      return map(resource, source, () => undefined);
    } catch {
      return undefined; // a mapper bug: the usual path dead-letters it after the resource is stored
    }
  };
}
