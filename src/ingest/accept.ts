/**
 * Accepting a payload, in the ingest worker: validate every entry → namespace → check conditions →
 * apply every write in ONE atomic store script, answering per request entry the way a FHIR server
 * answers a transaction/batch. A transaction (and a single resource, a transaction of one) is all or
 * nothing: an invalid entry or a failed precondition rejects it whole and nothing is stored.
 * Re-running it for the same payload id returns the first run's answer (the store keeps it).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { RejectLog } from '../store/reject-log';
import type { AppliedEntry, EntryConditions, Store } from '../store/store';
import { FhirError, hasErrors, outcomeOf } from '../fhir/outcome';
import { identifierTokens, parseConditions, type RawConditions } from './conditions';
import { parsePayload, type BundleKind } from './entries';
import { namespaceEntries, type PreparedResource } from './namespace';
import { entryResult, rollbackError, type EntryResult } from './entry-results';
import type { MappingResult, MappingStatus } from '../mapping/types';
import { RESOLVABLE_TYPES } from '../mapping/references';
import type { CpuTurn } from './cpu-turns';

export type { EntryResult } from './entry-results';

/** Validates one entry's resource; `at` is the FHIRPath prefix for issues (e.g. Bundle.entry[2].resource). */
export type EntryValidator = (resource: Resource, at: string) => OperationOutcomeIssue[];

/** A stored resource version whose events still have to be mapped (the resource when in hand). */
export interface MapItem {
  key: string;
  patient?: string;
  versionId: string;
  resource?: Resource;
  /** Its content mapped before it was stored (queue/premap.ts): the events do not cite a version yet. */
  outcome?: MappingResult;
  /**
   * The referenced resources (Medication…) whose change asked for this mapping (map-items.ts
   * `mapDependents`): one this version no longer references stops counting it as a reader.
   */
  via?: string[];
}

export type EntryTally = Record<'created' | 'updated' | 'unchanged' | 'older' | 'exists' | 'invalid', number>;

/** A mapping outcome without events: what a version can be stored as ingested with (see `premap`). */
export type NoEventsStatus = Exclude<MappingStatus, 'mapped'>;

const noEventsStatus = (o: MappingResult | undefined): NoEventsStatus | undefined =>
  o && o.events.length === 0 && o.status !== 'mapped' ? o.status : undefined;

/** A version stored as already mapped to no events: counted with the mapped ones, never mapped again. */
export interface PremappedItem {
  key: string;
  patient?: string;
  status: NoEventsStatus;
  /** An update that removed an earlier version's events: its patient is assembled again. */
  replaced: boolean;
}

export interface AcceptResult {
  kind: BundleKind;
  entries: EntryResult[];
  toMap: MapItem[];
  premapped: PremappedItem[];
  /** Keys of resources that others resolve when mapped (a Medication…), written now: their readers are mapped again. */
  resolvable: string[];
  tally: EntryTally;
}

export interface AcceptDeps {
  store: Store;
  validate: EntryValidator;
  /** The payload's id: keys the atomic apply (idempotent re-run) and the reject log. */
  payloadId: string;
  /** Conditions of a single-resource request (its HTTP headers). */
  conditions?: RawConditions;
  /** How long the apply's answer is kept for a re-run (0: until the caller removes or expires it). */
  resultTtlSeconds: number;
  /** Per-source capped reject log (one round trip per request); default caps when absent. */
  rejects?: RejectLog;
  /**
   * The mapping of a resource whose mapping needs nothing else stored (undefined: map it after it is
   * stored, as usual). A version written with no events is stored as ingested in the same script; one
   * with events carries its outcome to the mapping step, which only stamps the version on them.
   */
  premap?: (resource: Resource) => MappingResult | undefined;
  /**
   * This payload's turn on the process's CPU (cpu-turns.ts), held from before the payload was parsed:
   * paced between entries, left before each write. Without one, the CPU steps yield every SLICE entries.
   */
  turn?: CpuTurn;
}

/** Validation is the CPU-heavy step: yield between slices so lock renewals and I/O keep running. */
const SLICE = 25;

/** Between entries: the turn's pacing, or a yield every SLICE entries. */
function pacer(turn: CpuTurn | undefined): (n: number) => Promise<void> | undefined {
  if (turn) return () => turn.pace();
  return (n) => (n % SLICE === SLICE - 1 ? yieldToLoop() : undefined);
}

export async function acceptPayload(body: unknown, source: string, deps: AcceptDeps): Promise<AcceptResult> {
  const parsed = parsePayload(body);
  const single = parsed.kind === 'single';
  const issues = new Map(parsed.entryIssues);
  const add = (index: number, list: OperationOutcomeIssue[]) => {
    if (list.length) issues.set(index, [...(issues.get(index) ?? []), ...list]);
  };
  const prefix = (i: number) => (single ? '' : `Bundle.entry[${i}].resource`);
  const pace = pacer(deps.turn);
  for (let n = 0; n < parsed.entries.length; n++) {
    const e = parsed.entries[n];
    add(e.index, deps.validate(e.resource, prefix(e.index)));
    await pace(n);
  }
  const valid = parsed.entries.filter((e) => !hasErrors(issues.get(e.index) ?? []));
  const { prepared, issues: nsIssues } = namespaceEntries(valid, source);
  for (const [i, list] of nsIssues) add(i, list);

  const conditions = new Map<number, EntryConditions | undefined>();
  for (const e of valid) {
    const raw = single ? (deps.conditions ?? {}) : (e.conditions ?? {});
    const at = (f: string) => (single ? `header ${f}` : `Bundle.entry[${e.index}].request.${f}`);
    const c = parseConditions(raw, source, e.resource.resourceType, at);
    add(e.index, c.issues);
    conditions.set(e.index, c.conditions);
  }

  const invalid = [...issues.entries()].filter(([, list]) => hasErrors(list));
  if (invalid.length) {
    deps.turn?.end(); // a write: no CPU turn held while it waits
    const rejectLog = deps.rejects ?? new RejectLog(deps.store.redis, deps.store.keys.prefix);
    await rejectLog.recordRejects(
      source,
      invalid.map(([index, list]) => ({
        index,
        resource: single
          ? body
          : ((body as { entry?: Array<{ resource?: unknown }> }).entry?.[index]?.resource ?? null),
        outcome: outcomeOf(list),
      })),
      { jobId: deps.payloadId },
    );
    if (parsed.kind === 'transaction' || single) {
      // Nothing of a rejected transaction is stored; a single resource is a transaction of one.
      throw new FhirError(
        single ? 422 : 400,
        invalid.flatMap(([, l]) => l),
      );
    }
    await deps.turn?.resume();
  }

  const writable = prepared.filter((p) => !hasErrors(issues.get(p.index) ?? []));
  const premapped = new Map<number, MappingResult>();
  for (let n = 0; n < writable.length; n++) {
    const outcome = deps.premap?.(writable[n].resource);
    if (outcome) premapped.set(writable[n].index, outcome);
    await pace(n);
  }
  deps.turn?.end();
  const applied = await deps.store.applyEntries(
    deps.payloadId,
    parsed.kind === 'transaction' || single ? 'tx' : 'batch',
    writable.map((p) => ({
      key: p.key,
      patient: p.patient,
      fingerprint: p.fingerprint,
      clientVersionId: p.clientVersionId,
      clientLastUpdatedMs: p.clientLastUpdatedMs,
      conditions: conditions.get(p.index),
      identifierTokens: identifierTokens(p.resource, source),
      body: p.body,
      noEvents: noEventsStatus(premapped.get(p.index)) !== undefined,
    })),
    deps.resultTtlSeconds,
  );
  const failed = applied.some((a) => a.outcome === 'moved' || a.outcome === 'precondition');
  if (failed && (parsed.kind === 'transaction' || single)) throw rollbackError(writable, applied, single);
  return collect(parsed.kind, parsed.requestCount, issues, writable, applied, parsed.entryIssues, premapped);
}

function collect(
  kind: BundleKind,
  requestCount: number,
  issues: Map<number, OperationOutcomeIssue[]>,
  writable: PreparedResource[],
  applied: AppliedEntry[],
  edgeIssues: Map<number, OperationOutcomeIssue[]>,
  premapped: Map<number, MappingResult>,
): AcceptResult {
  const tally: EntryTally = { created: 0, updated: 0, unchanged: 0, older: 0, exists: 0, invalid: 0 };
  const results = new Map<number, EntryResult>();
  const toMap: MapItem[] = [];
  const stored: PremappedItem[] = [];
  const resolvable: string[] = [];
  writable.forEach((p, i) => {
    const a = applied[i];
    const r = entryResult(p, a, kind === 'single' ? '' : `Bundle.entry[${p.index}]`);
    results.set(p.index, { index: p.index, ...r });
    if (a.outcome in tally) tally[a.outcome as keyof EntryTally]++;
    else tally.invalid++;
    const fresh = a.outcome === 'created' || a.outcome === 'updated';
    if (fresh && RESOLVABLE_TYPES.has(p.resource.resourceType)) resolvable.push(p.key);
    // The outcome worked out before storing is this payload's content: it holds for a version written now.
    const outcome = fresh ? premapped.get(p.index) : undefined;
    const status = noEventsStatus(outcome);
    if (status && !a.needsIngest) {
      // Stored as ingested by the apply script itself. Trusted only when the script says so: a re-run
      // answered from a first run that did not flag it (an older release) still maps it below.
      // An update of a resource that had no events changes none of its patient's: nothing to assemble.
      const replaced = a.outcome === 'updated' && a.removedEvents !== false;
      stored.push({ key: p.key, patient: p.patient, status, replaced });
    } else if (a.needsIngest) {
      toMap.push({
        ...(outcome ? { outcome } : {}),
        key: p.key,
        patient: p.patient,
        versionId: a.versionId,
        // The resource in hand, with the stored version's meta (as a read returns it): events cite
        // their source at that version, and Provenance entities resolve to it.
        ...(fresh
          ? {
              resource: {
                ...p.resource,
                meta: { ...p.resource.meta, versionId: a.versionId, lastUpdated: a.lastUpdated },
              },
            }
          : {}),
      });
    }
  });
  const entries: EntryResult[] = [];
  for (let i = 0; i < requestCount; i++) {
    const r = results.get(i);
    const list = issues.get(i) ?? [];
    if (r) entries.push(r);
    else if (hasErrors(list)) {
      tally.invalid++;
      // Entries the edge could not read (no resource, bad request line) are 400; resources that
      // were read but fail validation are 422, as a FHIR server answers a create.
      const status = edgeIssues.has(i) ? '400 Bad Request' : '422 Unprocessable Entity';
      entries.push({ index: i, status, outcome: outcomeOf(list) });
    } else if (kind === 'message' || kind === 'collection') {
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
  return { kind, entries, toMap, premapped: stored, resolvable, tally };
}
