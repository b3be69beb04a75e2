/**
 * The FHIR answer for one applied entry (status line, location, ETag, and an OperationOutcome when
 * the sender must know something), and the error that rolls a whole transaction back.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { FhirError, issue, outcomeOf } from '../fhir/outcome';
import type { AppliedEntry } from '../store/store';
import type { PreparedResource } from './namespace';

export interface EntryResult {
  index: number;
  /** HTTP status line for the entry, e.g. "201 Created". */
  status: string;
  location?: string;
  etag?: string;
  lastModified?: string;
  outcome?: OperationOutcome;
}

const note = (code: OperationOutcomeIssue['code'], text: string, severity: 'warning' | 'information') =>
  outcomeOf([issue(code, text, undefined, severity)]);

function problem(a: AppliedEntry, at: string): OperationOutcomeIssue {
  if (a.outcome === 'moved') {
    return issue(
      'business-rule',
      'This resource is stored under another patient; moving a resource between patients is not supported. Mark it entered-in-error and send the corrected resource with a new id.',
      at || undefined,
    );
  }
  return issue(
    'conflict',
    `${a.other} precondition failed: the stored version does not satisfy it. Nothing of this entry was stored.`,
    at ? `${at}.request` : undefined,
  );
}

export function entryResult(p: PreparedResource, a: AppliedEntry, at: string): Omit<EntryResult, 'index'> {
  const version = { location: `${p.key}/_history/${a.versionId}`, etag: `W/"${a.versionId}"` };
  switch (a.outcome) {
    case 'created':
      return { status: '201 Created', ...version, lastModified: a.lastUpdated };
    case 'updated':
      return { status: '200 OK', ...version, lastModified: a.lastUpdated };
    case 'unchanged':
      return {
        status: '200 OK',
        ...version,
        lastModified: a.lastUpdated,
        outcome: a.contentDiffers
          ? note(
              'business-rule',
              'Not applied: same meta.versionId as the stored version but different content. Send a new meta.versionId to update.',
              'warning',
            )
          : note('informational', 'Unchanged: identical to the stored version', 'information'),
      };
    case 'older':
      return {
        status: '200 OK',
        ...version,
        lastModified: a.lastUpdated,
        outcome: note(
          'business-rule',
          'Not applied: older than the stored version (by meta.versionId, else meta.lastUpdated); the stored version is kept.',
          'warning',
        ),
      };
    case 'exists':
      return {
        status: '200 OK',
        location: a.other,
        outcome: note(
          'duplicate',
          'Not created: a resource matching If-None-Exist already exists (see location).',
          'information',
        ),
      };
    case 'moved':
      return { status: '422 Unprocessable Entity', outcome: outcomeOf([problem(a, at)]) };
    case 'precondition':
      return { status: '412 Precondition Failed', outcome: outcomeOf([problem(a, at)]) };
    default:
      return {
        status: '409 Conflict',
        outcome: note('conflict', 'Rolled back with its transaction', 'warning'),
      };
  }
}

/** A transaction (or single resource) with a failed entry: nothing was stored; say which and why. */
export function rollbackError(
  writable: PreparedResource[],
  applied: AppliedEntry[],
  single: boolean,
): FhirError {
  const issues: OperationOutcomeIssue[] = [];
  let status = 422;
  writable.forEach((p, i) => {
    const a = applied[i];
    if (a.outcome !== 'moved' && a.outcome !== 'precondition') return;
    if (a.outcome === 'precondition') status = 412;
    issues.push(problem(a, single ? '' : `Bundle.entry[${p.index}]`));
  });
  if (!single) {
    issues.push(issue('processing', 'Transaction rolled back: no entry of this Bundle was stored.'));
    if (status === 422) status = 400;
  }
  return new FhirError(status, issues);
}
