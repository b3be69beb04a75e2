/**
 * Normalises @medplum/core validation issues: FHIR issue-type codes that say what is wrong
 * (`required`, `value`, `invariant`…), diagnostics without submitted values, one `expression`.
 */
import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { safeElementName, safeExpression } from './fhirpath-expression';
import { issue, type IssueType } from './issues';

function issueType(text: string, fallback: IssueType): IssueType {
  if (text === 'Missing required property') return 'required';
  const card = /expected (\d+)\.\.\S+, but found (\d+)/.exec(text);
  if (card) return Number(card[2]) < Number(card[1]) ? 'required' : 'structure';
  if (
    /^Invalid \S+ format$|^Invalid numeric value$|^Expected number|did not match expected pattern/.test(text)
  )
    return 'value';
  return fallback;
}

/** Removes anything quoted from the submitted data (reference strings, property names that are not names). */
function sanitise(text: string): string {
  return text
    .replace(
      /^Invalid additional property "([^"]*)"/,
      (_m, name: string) => `Unknown element "${safeElementName(name)}"`,
    )
    .replace(/got "[^"]*"/, 'got a reference of another type');
}

export function normaliseMedplumIssue(raw: OperationOutcomeIssue): OperationOutcomeIssue {
  const text = raw.details?.text ?? raw.diagnostics ?? 'Invalid resource';
  const raw0 = raw.expression?.[0];
  const expression = raw0 === undefined ? undefined : safeExpression(raw0);
  if (raw.code === 'invariant') {
    // Medplum puts {"fhirpath": "…"} in diagnostics: the rule, not data; keep it readable.
    let fhirpath = '';
    try {
      fhirpath = (JSON.parse(raw.diagnostics ?? '{}') as { fhirpath?: string }).fhirpath ?? '';
    } catch {
      fhirpath = '';
    }
    const diag = fhirpath ? `${text} (${fhirpath})` : text;
    return issue(raw.severity, 'invariant', diag, expression);
  }
  if (raw.code === 'processing') return issue(raw.severity, 'processing', text, expression);
  return issue(raw.severity, issueType(text, raw.code), sanitise(text), expression);
}

/** Runs a Medplum validation call and returns its issues whether it threw or returned warnings. */
export function medplumIssues(run: () => OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  try {
    return run().map(normaliseMedplumIssue);
  } catch (err) {
    if (err instanceof OperationOutcomeError) return (err.outcome.issue ?? []).map(normaliseMedplumIssue);
    return [issue('error', 'exception', 'The structure validator could not process this resource')];
  }
}
