/**
 * Structure validation against one of our profiles with the profile parsed once.
 *
 * Why: @medplum/core's `validateResource(r, { profile })` parses the StructureDefinition on every call
 * (most of the time spent validating a course or a flag), and its validator class, which could take
 * an already-parsed schema, is not exported. Without a profile the same validator takes the schema of
 * the resource's type from the global type registry, once, when it is constructed. So for the
 * duration of one synchronous call that registry entry hands the parsed profile to that first read
 * and the base type to every later one: with `{ profile }` too, only the validator holds the profile,
 * while reading properties and navigating FHIRPath use the base type (a choice element the profile
 * narrows, `effective[x]` to Period, is still read as the base type reads it). The base type is put
 * back before returning; nothing else can run in between (no await), so no other validation sees
 * the profile. The rules are exactly Medplum's profile rules: the same validator runs on the same
 * parsed schema; tests compare both paths on every failing example and mutation.
 *
 * Before Medplum's validator runs, structure-vouch.ts walks the resource with tables compiled from
 * the same schemas: when it can show Medplum would report nothing (every valid output), that answer
 * stands and the ~2.5 ms validator run of a course is saved; otherwise Medplum's validator runs and
 * its issues are returned as they are.
 */
import {
  getAllDataTypes,
  parseStructureDefinition,
  validateTypedValue,
  type InternalTypeSchema,
} from '@medplum/core';
import type { OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { prepareVouching, vouchesFor } from './structure-vouch';

const compiled = new WeakMap<StructureDefinition, InternalTypeSchema>();

/** The parsed schema of `profile`, parsed on first use (keyed by the object, so a reload re-parses). */
export function compiledProfile(profile: StructureDefinition): InternalTypeSchema {
  let schema = compiled.get(profile);
  if (!schema) {
    schema = parseStructureDefinition(profile);
    compiled.set(profile, schema);
  }
  return schema;
}

/** Runs `run` with the first read of `type` in the global registry giving `schema` (see above). */
function asValidatorSchema<T>(type: string, schema: InternalTypeSchema, run: () => T): T {
  const types = getAllDataTypes();
  const base = types[type];
  let read = false;
  Object.defineProperty(types, type, {
    configurable: true,
    enumerable: true,
    get: () => {
      if (read) return base;
      read = true;
      return schema;
    },
  });
  try {
    return run();
  } finally {
    Object.defineProperty(types, type, { configurable: true, enumerable: true, writable: true, value: base });
  }
}

/**
 * Medplum's structure validation of `resource` against `profile` (cardinality, types, formats,
 * unknown properties, fixed/pattern values, invariants). Like Medplum's own, it returns warnings and
 * throws an OperationOutcomeError carrying the errors.
 */
export function validateAgainstProfile(
  resource: Resource,
  profile: StructureDefinition,
): OperationOutcomeIssue[] {
  const schema = compiledProfile(profile);
  if (vouchesFor(resource, schema)) return [];
  const type = resource.resourceType;
  return asValidatorSchema(type, schema, () => validateTypedValue({ type, value: resource }));
}

/** Whether the compiled walk alone answers for `resource` (validateAgainstProfile then skips Medplum's validator). */
export function profileVouchesFor(resource: Resource, profile: StructureDefinition): boolean {
  return vouchesFor(resource, compiledProfile(profile));
}

/** Parses `profile` and builds its walk tables and compiled invariants now, not on the first output. */
export function warmUpProfile(profile: StructureDefinition): void {
  prepareVouching(compiledProfile(profile));
}
