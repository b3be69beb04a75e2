/**
 * Structure validation against one of our profiles with the profile parsed once.
 *
 * Why: @medplum/core's `validateResource(r, { profile })` parses the StructureDefinition on every call
 * (most of the time spent validating a course or a flag), and its validator class, which could take
 * an already-parsed schema, is not exported. Without a profile the same validator takes the schema of
 * the resource's type from the global type registry. So for the duration of one synchronous call we
 * put the parsed profile there under the resource's type, and put the base type back before
 * returning. Nothing else can run in between (no await), so no other validation sees the profile.
 * The rules are exactly Medplum's profile rules: the same validator runs on the same parsed schema;
 * test/validation/compiled-profiles.test.ts compares both paths on every failing example.
 */
import {
  getAllDataTypes,
  parseStructureDefinition,
  validateTypedValue,
  type InternalTypeSchema,
} from '@medplum/core';
import type { OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';

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
  const types = getAllDataTypes();
  const type = resource.resourceType;
  const base = types[type];
  types[type] = schema;
  try {
    return validateTypedValue({ type, value: resource });
  } finally {
    types[type] = base;
  }
}
