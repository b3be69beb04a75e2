/**
 * OperationOutcome issues: construction, de-duplication and the OperationOutcome wrapper.
 * Diagnostics name elements, codes and counts; they never quote a submitted value.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueSeverity = OperationOutcomeIssue['severity'];
export type IssueType = OperationOutcomeIssue['code'];

export function issue(
  severity: IssueSeverity,
  code: IssueType,
  diagnostics: string,
  expression?: string,
): OperationOutcomeIssue {
  return expression === undefined
    ? { severity, code, diagnostics }
    : { severity, code, diagnostics, expression: [expression] };
}

/** What a check returns when it finds nothing: one shared, frozen array (checks run per element). */
export const NO_ISSUES: readonly OperationOutcomeIssue[] = Object.freeze([]);

export function isError(i: OperationOutcomeIssue): boolean {
  return i.severity === 'error' || i.severity === 'fatal';
}

function issueKey(i: OperationOutcomeIssue): string {
  return `${i.severity}|${i.code}|${(i.expression ?? []).join(',')}|${i.diagnostics ?? ''}`;
}

/** Removes exact duplicates, keeping first occurrences in order. */
export function uniqueIssues(issues: Iterable<OperationOutcomeIssue>): OperationOutcomeIssue[] {
  const seen = new Map<string, OperationOutcomeIssue>();
  for (const i of issues) if (!seen.has(issueKey(i))) seen.set(issueKey(i), i);
  return [...seen.values()];
}

/** Prefixes every expression of `issues` (e.g. `Observation.status` → `Bundle.entry[2].resource.status`). */
export function rebaseIssues(issues: OperationOutcomeIssue[], prefix: string): OperationOutcomeIssue[] {
  return issues.map((i) => ({
    ...i,
    expression: (i.expression ?? []).map((e) => {
      const dot = e.indexOf('.');
      const bracket = e.indexOf('[');
      const cut = [dot, bracket].filter((n) => n >= 0);
      return cut.length === 0 ? prefix : prefix + e.slice(Math.min(...cut));
    }),
  }));
}

/** Wraps issues in an OperationOutcome; no issues gives the "all OK" outcome. */
export function operationOutcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  if (issues.length === 0) {
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: 'All OK' }],
    };
  }
  return { resourceType: 'OperationOutcome', issue: issues };
}
