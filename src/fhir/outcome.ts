/**
 * OperationOutcome construction and the error type every /fhir failure travels as.
 * Diagnostics name elements, entries and codes — never values copied from a resource.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueCode = OperationOutcomeIssue['code'];

export function issue(
  code: IssueCode,
  diagnostics: string,
  expression?: string | string[],
  severity: OperationOutcomeIssue['severity'] = 'error',
): OperationOutcomeIssue {
  const out: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression !== undefined) out.expression = Array.isArray(expression) ? expression : [expression];
  return out;
}

export function outcomeOf(issues: OperationOutcomeIssue[]): OperationOutcome {
  if (issues.length === 0) {
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: 'All OK' }],
    };
  }
  return { resourceType: 'OperationOutcome', issue: issues };
}

export function hasErrors(issues: OperationOutcomeIssue[]): boolean {
  return issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** An error that is answered as `status` with an OperationOutcome body. */
export class FhirError extends Error {
  readonly outcome: OperationOutcome;
  constructor(
    readonly status: number,
    issues: OperationOutcomeIssue | OperationOutcomeIssue[],
  ) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.map((i) => i.diagnostics).join('; '));
    this.outcome = outcomeOf(list);
  }
}
