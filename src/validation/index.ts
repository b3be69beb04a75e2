/**
 * Validation of inputs (FHIR R4 base) and outputs (our profiles). Warm everything at start-up with
 * `warmUpValidation()`; every function also loads lazily on first use.
 */
import { loadFhirDefinitions } from './fhir-definitions';
import { loadFhirJsonSchema } from './fhir-json-schema';
import { loadProfiles, type ProfileRegistry } from './profiles/registry';

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
  return loadProfiles(profilesDir);
}
