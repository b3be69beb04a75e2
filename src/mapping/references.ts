/** Resolving references: contained (`#id`) here, everything else through the caller's `resolve`. */
import type { Reference, Resource } from '@medplum/fhirtypes';
import type { MappingContext } from './types';

/**
 * The one element of each type a mapper resolves through `ctx.resolve` (the administered Medication,
 * the Observation's Specimen). The ingest worker fetches exactly these references before mapping;
 * the mapping tests fail if a mapper asks `resolve` for any other.
 */
const RESOLVED_ELEMENT: Record<string, string> = {
  MedicationAdministration: 'medicationReference',
  MedicationRequest: 'medicationReference',
  Observation: 'specimen',
};

/** The types a mapper resolves through `ctx.resolve`: a change of one maps its dependents again. */
export const RESOLVABLE_TYPES: ReadonlySet<string> = new Set(['Medication', 'Substance', 'Specimen']);

/** The references (as written, not contained) a mapper may pass to `ctx.resolve` for `resource`. */
export function referencesToResolve(resource: Resource): string[] {
  const type = resource?.resourceType;
  if (typeof type !== 'string' || !Object.hasOwn(RESOLVED_ELEMENT, type)) return [];
  const ref = (resource as unknown as Record<string, { reference?: unknown } | undefined>)[
    RESOLVED_ELEMENT[type]
  ]?.reference;
  return typeof ref === 'string' && !ref.startsWith('#') ? [ref] : [];
}

/**
 * The referenced resource of the expected type, or undefined. `ref` may be one Reference or an array
 * (Observation.specimen is single, but a malformed resource may carry anything).
 */
export function resolveReference<T extends Resource>(
  from: Resource,
  ref: Reference | undefined,
  type: T['resourceType'],
  ctx: MappingContext,
): T | undefined {
  const r = ref?.reference;
  if (typeof r !== 'string') return undefined;
  let found: Resource | undefined;
  if (r.startsWith('#')) {
    const contained = (from as { contained?: Resource[] }).contained;
    found = Array.isArray(contained) ? contained.find((c) => c && c.id === r.slice(1)) : undefined;
  } else {
    found = ctx.resolve?.(r);
  }
  return found && found.resourceType === type ? (found as T) : undefined;
}
