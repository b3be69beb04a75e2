/**
 * The gate for derived outputs (courses, flags): a resource we produce must conform to the profile
 * it claims in `meta.profile[0]`. A failure is a bug in our code, so it throws loudly.
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { isError, issue, uniqueIssues } from './issues';
import { checkFhirRules } from './rules';
import { validateResourceWithRules } from './validate-resource';

export class OutputValidationError extends Error {
  constructor(
    readonly resourceRef: string,
    readonly profileUrl: string | undefined,
    readonly issues: OperationOutcomeIssue[],
  ) {
    super(
      `derived ${resourceRef} does not conform to ${profileUrl ?? '(no profile)'}: ` +
        issues.map((i) => `${i.expression?.[0] ?? resourceRef}: ${i.diagnostics ?? i.code}`).join('; '),
    );
    this.name = 'OutputValidationError';
  }
}

/** Validates an output against base R4, its profile and our terminology; throws on any error. */
export function assertValidOutput(resource: Resource): void {
  // What is stored and served is the JSON: keys set to undefined vanish there, so they do here.
  const json = JSON.parse(JSON.stringify(resource)) as Resource;
  const ref = `${resource.resourceType}/${resource.id ?? '(no id)'}`;
  const profileUrl = resource.meta?.profile?.[0];
  const checked = profileUrl ? validateResourceWithRules(json, { profileUrl }) : undefined;
  const issues = checked
    ? checked.issues.filter(isError)
    : [
        issue(
          'error',
          'required',
          'Derived outputs must name their profile in meta.profile[0]',
          `${resource.resourceType}.meta.profile`,
        ),
      ];
  // The rules' own issues, unmerged: validateResource drops those at a location Medplum reported.
  const rules = checked?.rules ?? checkFhirRules(json);
  const all = uniqueIssues([...issues, ...rules.filter(isError)]);
  if (all.length > 0) throw new OutputValidationError(ref, profileUrl, all);
}
