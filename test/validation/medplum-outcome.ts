/**
 * What @medplum/core's validator says, raw: the issues it returns (warnings), or the issues of the
 * OperationOutcomeError it throws (errors). The comparison tests put our paths beside this.
 */
import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

export function medplumOutcome(run: () => OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  try {
    return run();
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
    throw err;
  }
}

/** A deep copy through JSON, as stored and served. */
export const clone = <T>(r: T): T => JSON.parse(JSON.stringify(r)) as T;
