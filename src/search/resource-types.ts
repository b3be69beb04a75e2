/**
 * Which resource types the API really serves, from the FHIR definitions, so the CapabilityStatement and
 * the routes agree: the types stored as resources (not the envelopes and operation payloads), and the
 * types in the Patient compartment as this server defines it (a `subject` or `patient` reference, which
 * is also how ingest files a resource under its patient).
 */
import { tryGetDataType } from '@medplum/core';
import { loadFhirDefinitions } from '../validation/fhir-definitions';

/** Payloads and envelopes, never stored as resources of their own. */
export const NOT_STORED_TYPES = new Set(['Bundle', 'CapabilityStatement', 'OperationOutcome', 'Parameters']);

let stored: string[] | undefined;
let patientLinked: Set<string> | undefined;

export function storedResourceTypes(): string[] {
  stored ??= [...loadFhirDefinitions()].filter((t) => !NOT_STORED_TYPES.has(t)).sort();
  return stored;
}

/** True when `patient` / `subject` search (and the Patient/{id}/{type} compartment) applies to the type. */
export function isPatientLinked(type: string): boolean {
  if (!patientLinked) {
    patientLinked = new Set();
    for (const t of storedResourceTypes()) {
      // The parsed schemas Medplum already holds, not the raw definitions (which would cost ~120 MB).
      const elements = tryGetDataType(t)?.elements ?? {};
      const linked = [elements.subject, elements.patient].some((e) =>
        (e?.type ?? []).some(
          (ty) =>
            ty.code === 'Reference' &&
            (!ty.targetProfile?.length || ty.targetProfile.some((p) => p.endsWith('/Patient'))),
        ),
      );
      if (linked) patientLinked.add(t);
    }
  }
  return patientLinked.has(type);
}
