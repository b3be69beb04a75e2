/**
 * Validation of inputs (FHIR R4 base) and outputs (our profiles). Warm everything at start-up with
 * `warmUpValidation()`; every function also loads lazily on first use.
 */
import { loadFhirDefinitions } from './fhir-definitions';
import { loadFhirJsonSchema } from './fhir-json-schema';
import type { Resource } from '@medplum/fhirtypes';
import { warmUpProfile } from './profiles/compiled-profiles';
import { loadProfiles, type ProfileRegistry } from './profiles/registry';
import { validateResource as validateResourceNow } from './validate-resource';

export { isFhirResourceType, loadFhirDefinitions } from './fhir-definitions';
export { loadFhirJsonSchema } from './fhir-json-schema';
export { isError, operationOutcome, uniqueIssues } from './issues';
export { assertValidOutput, OutputValidationError } from './output';
export {
  defaultProfilesDir,
  getCodeSystem,
  getJsonSchema,
  getProfile,
  getValueSet,
  loadProfiles,
  profileRegistry,
  ProfilesError,
  type ProfileRegistry,
} from './profiles/registry';
export { entryIndexOf, validateBundle, type BundleValidation } from './validate-bundle';
export { validateForOperation } from './validate-operation';
export { validateResource, type ValidateOptions } from './validate-resource';

/** Loads the base definitions, compiles the JSON Schema and loads profiles/ (throws if malformed). */
export function warmUpValidation(profilesDir?: string): ProfileRegistry {
  loadFhirDefinitions();
  loadFhirJsonSchema();
  const registry = loadProfiles(profilesDir);
  // One small resource through every rule: the tables rules build on first use (value-set
  // expansions, extension URLs, binding indexes) are built now, not during a sender's first request.
  validateResourceNow(WARM_UP);
  // Our resource profiles parsed, with the output gate's walk tables and invariants compiled, so the
  // first course or flag is not the one that pays for it.
  for (const sd of registry.structureDefinitions.values()) if (sd.kind === 'resource') warmUpProfile(sd);
  return registry;
}

const WARM_UP: Resource = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
  subject: { reference: 'Patient/warm-up' },
  effectiveDateTime: '2020-01-01T00:00:00Z',
  valueQuantity: { value: 1, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
  interpretation: [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N' }] },
  ],
  extension: [{ url: 'http://example.org/warm-up', valueString: 'x' }],
};
