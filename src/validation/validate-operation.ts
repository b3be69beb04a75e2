/**
 * `$validate` (FHIR R4 Resource-validate): the body is the resource itself, or a Parameters with a
 * `resource` parameter and an optional `profile` parameter. Stores nothing; always answers with an
 * OperationOutcome (the "all OK" one when there is nothing to report).
 */
import type { OperationOutcome, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { issue, operationOutcome } from './issues';
import { getProfile } from './profiles/registry';
import { validateResource } from './validate-resource';

const HL7_BASE_PROFILE = 'http://hl7.org/fhir/StructureDefinition/';

function profileParameter(p: ParametersParameter): string | undefined {
  return p.valueUri ?? p.valueCanonical ?? p.valueUrl ?? p.valueString;
}

/** Unwraps a $validate Parameters body; a Parameters without a `resource` parameter is itself the subject. */
function unwrap(body: unknown, resourceType?: string): { resource: unknown; profile?: string } {
  const params = body as Parameters | null;
  if (
    resourceType !== 'Parameters' &&
    params?.resourceType === 'Parameters' &&
    Array.isArray(params.parameter)
  ) {
    const resourceParam = params.parameter.find((p) => p?.name === 'resource');
    if (resourceParam) {
      const profileParam = params.parameter.find((p) => p?.name === 'profile');
      return {
        resource: resourceParam.resource,
        profile: profileParam ? profileParameter(profileParam) : undefined,
      };
    }
  }
  return { resource: body };
}

export function validateForOperation(
  body: unknown,
  resourceType?: string,
  profileUrl?: string,
): OperationOutcome {
  const { resource, profile } = unwrap(body, resourceType);
  const wanted = profileUrl ?? profile;
  if (resource === undefined || resource === null) {
    return operationOutcome([issue('error', 'required', 'No resource to validate', 'Parameters.parameter')]);
  }
  const actualType = (resource as Resource).resourceType;
  if (resourceType !== undefined && typeof actualType === 'string' && actualType !== resourceType) {
    return operationOutcome([
      issue(
        'error',
        'invalid',
        `The resource type does not match the ${resourceType}/$validate endpoint`,
        `${actualType}.resourceType`,
      ),
    ]);
  }
  // The base definition of the resource's own type is what is always checked anyway.
  const useProfile =
    wanted !== undefined && wanted !== `${HL7_BASE_PROFILE}${String(actualType)}` ? wanted : undefined;
  if (useProfile !== undefined && !getProfile(useProfile)) {
    return operationOutcome([issue('error', 'not-supported', 'Unknown profile', 'Parameters.parameter')]);
  }
  return operationOutcome(validateResource(resource, useProfile ? { profileUrl: useProfile } : {}));
}
