/**
 * Accepting a payload: parse → validate → namespace → store, answering per request entry the way a
 * FHIR server answers a transaction/batch. Shared by the synchronous API path and the asynchronous
 * `ingest` job, so both tell the sender the same truth. A transaction is all-or-nothing: any invalid
 * entry rejects the whole request (400) and nothing is stored. Invalid resources go to the reject log.
 */
import type { OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { RejectLog } from '../store/reject-log';
import type { Store } from '../store/store';
import { FhirError, hasErrors, issue, outcomeOf } from '../fhir/outcome';
import { parsePayload, type BundleKind } from './entries';
import { namespaceEntries } from './namespace';

/** Validates one entry's resource; `at` is the FHIRPath prefix for issues (e.g. Bundle.entry[2].resource). */
export type EntryValidator = (resource: Resource, at: string) => OperationOutcomeIssue[];

export interface EntryResult {
  index: number;
  /** HTTP status line for the entry, e.g. "201 Created". */
  status: string;
  location?: string;
  etag?: string;
  lastModified?: string;
  outcome?: OperationOutcome;
}

/** A stored resource version whose events still have to be mapped. */
export interface MapItem {
  key: string;
  patient?: string;
  versionId: string;
}

export type EntryTally = Record<'created' | 'updated' | 'unchanged' | 'invalid', number>;

export interface AcceptResult {
  kind: BundleKind;
  entries: EntryResult[];
  toMap: MapItem[];
  tally: EntryTally;
}

const STATUS = { created: '201 Created', updated: '200 OK', unchanged: '200 OK' } as const;

/**
 * A re-send with the stored meta.versionId is a no-op by contract. When its content differs, the sender
 * is told so (a warning), rather than having the change vanish silently.
 */
function unchangedOutcome(contentDiffers: boolean) {
  return outcomeOf([
    contentDiffers
      ? issue(
          'business-rule',
          'Not applied: same meta.versionId as the stored version but different content. Send a new meta.versionId to update.',
          undefined,
          'warning',
        )
      : issue('informational', 'Unchanged: identical to the stored version', undefined, 'information'),
  ]);
}

export async function acceptPayload(
  body: unknown,
  source: string,
  deps: { store: Store; validate: EntryValidator; jobId?: string; rejects?: RejectLog },
): Promise<AcceptResult> {
  const parsed = parsePayload(body);
  const issues = new Map(parsed.entryIssues);
  const add = (index: number, list: OperationOutcomeIssue[]) => {
    if (list.length) issues.set(index, [...(issues.get(index) ?? []), ...list]);
  };
  const prefix = (i: number) => (parsed.kind === 'single' ? '' : `Bundle.entry[${i}].resource`);
  for (const e of parsed.entries) add(e.index, deps.validate(e.resource, prefix(e.index)));

  const valid = parsed.entries.filter((e) => !hasErrors(issues.get(e.index) ?? []));
  const { prepared, issues: nsIssues } = namespaceEntries(valid, source);
  for (const [i, list] of nsIssues) add(i, list);

  // A stored resource cannot change patient: its events and derived outputs live in its patient's scope.
  const scopes = await deps.store.locateMany(prepared.map((p) => p.key));
  prepared.forEach((p, i) => {
    const stored = scopes[i];
    if (stored !== null && stored !== (p.patient ?? '')) {
      add(p.index, [
        issue(
          'business-rule',
          'This resource is stored under another patient; moving a resource between patients is not supported. Mark it entered-in-error and send the corrected resource with a new id.',
          prefix(p.index) || p.resource.resourceType,
        ),
      ]);
    }
  });

  const invalid = [...issues.entries()].filter(([, list]) => hasErrors(list));
  const rejectLog = deps.rejects ?? new RejectLog(deps.store.redis, deps.store.keys.prefix);
  await rejectLog.recordRejects(
    source,
    invalid.map(([index, list]) => ({
      index,
      resource:
        parsed.kind === 'single'
          ? body
          : ((body as { entry?: Array<{ resource?: unknown }> }).entry?.[index]?.resource ?? null),
      outcome: outcomeOf(list),
    })),
    { jobId: deps.jobId },
  );
  if (invalid.length && (parsed.kind === 'transaction' || parsed.kind === 'single')) {
    // Nothing of a rejected transaction is stored; a single resource is a transaction of one.
    throw new FhirError(
      parsed.kind === 'single' ? 422 : 400,
      invalid.flatMap(([, l]) => l),
    );
  }

  const tally: EntryTally = { created: 0, updated: 0, unchanged: 0, invalid: invalid.length };
  const results = new Map<number, EntryResult>();
  const toMap: MapItem[] = [];
  for (const p of prepared) {
    if (hasErrors(issues.get(p.index) ?? [])) continue;
    const r = await deps.store.upsertSource(p);
    tally[r.outcome]++;
    results.set(p.index, {
      index: p.index,
      status: STATUS[r.outcome],
      location: `${p.key}/_history/${r.versionId}`,
      etag: `W/"${r.versionId}"`,
      lastModified: r.lastUpdated,
      ...(r.outcome === 'unchanged' ? { outcome: unchangedOutcome(r.contentDiffers) } : {}),
    });
    if (r.needsIngest) toMap.push({ key: p.key, patient: p.patient, versionId: r.versionId });
  }
  const entries: EntryResult[] = [];
  for (let i = 0; i < parsed.requestCount; i++) {
    const r = results.get(i);
    if (r) entries.push(r);
    else if (issues.has(i) && hasErrors(issues.get(i) ?? [])) {
      // Entries the edge could not read (no resource, bad request line) are 400; resources that
      // were read but fail validation are 422, as a FHIR server answers a create.
      const status = parsed.entryIssues.has(i) ? '400 Bad Request' : '422 Unprocessable Entity';
      entries.push({ index: i, status, outcome: outcomeOf(issues.get(i) ?? []) });
    } else if (parsed.kind === 'message' || parsed.kind === 'collection') {
      // Message context entries (MessageHeader, non-focus resources) are not stored.
      entries.push({
        index: i,
        status: '200 OK',
        outcome: outcomeOf([
          { severity: 'information', code: 'informational', diagnostics: 'Not a focus resource: not stored' },
        ]),
      });
    }
  }
  return { kind: parsed.kind, entries, toMap, tally };
}
