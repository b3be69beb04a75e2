/** Resolving references: contained (`#id`) here, everything else through the caller's `resolve`. */
import type { Reference, Resource } from '@medplum/fhirtypes';
import type { MappingContext } from './types';

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
