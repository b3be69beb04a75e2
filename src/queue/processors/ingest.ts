/**
 * The `ingest` queue's processors. Job data holds references only (bull-board shows it to ops):
 * - `accept` {payloadId}: a payload the API recorded in the ingest log — parsed once, validated,
 *   applied atomically, mapped, then finished (status written, payload removed) in one MULTI; the
 *   stored resources that read a Medication, Substance or Specimen it wrote get `map` jobs.
 *   A payload rejected by validation or a precondition ends as a FAILED job (UnrecoverableError) with
 *   its answer in the status; an infrastructure failure is retried by BullMQ, then by the sweep.
 * - `map` {source, items: [{key, patient, versionId, via}]}: stored versions to map (the readers of a
 *   changed Medication, Substance or Specimen, see map-items.ts `mapDependents`).
 * Running either twice at once is safe: the apply is keyed by payload id, events are saved per
 * version, assemble is claim-guarded.
 */
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { OperationOutcome } from '@medplum/fhirtypes';
import {
  acceptPayload,
  type AcceptResult,
  type EntryResult,
  type EntryTally,
  type EntryValidator,
  type MapItem,
} from '../../ingest/accept';
import { premapper } from '../premap';
import { FhirError, issue, outcomeOf } from '../../fhir/outcome';
import type { PayloadLog } from '../../store/payloads';
import { emptySummary, mapDependents, mapItems, type MapDeps, type MapSummary } from '../map-items';
import type { RejectLog } from '../../store/reject-log';
import type { PayloadBudget } from '../payload-budget';
import type { CpuTurns } from '../../ingest/cpu-turns';

export type { MapOutcome, ResourceMapper, MapSummary } from '../map-items';
export { mapItems, enqueueAssemble } from '../map-items';

export interface IngestDeps extends MapDeps {
  payloads: PayloadLog;
  validate: EntryValidator;
  statusTtlSeconds: number;
  rejects?: RejectLog;
  /** This process's budget on payload bytes in process (payload-budget.ts); none: no limit. */
  budget?: PayloadBudget;
  /** How long an accept job waits for budget before it is handed back to the queue. */
  budgetWaitMs?: number;
  /** Turns on this process's CPU (ingest/cpu-turns.ts); none: the payloads interleave in slices. */
  cpuTurns?: CpuTurns;
}

/** A job handed back for want of budget is due again after this (any process may take it then). */
export const HAND_BACK_DELAY_MS = 500;
/** After this many hand-backs a job waits for budget where it is (it rejoins the queue's tail each time). */
export const MAX_HAND_BACKS = 5;

/** Times this job was taken without an attempt made: hand-backs (and runs lost to a crash). */
function handedBack(job: Job): number {
  return Math.max(0, (job.attemptsStarted ?? 0) - 1 - (job.attemptsMade ?? 0));
}

export interface AcceptJobData {
  payloadId: string;
}

export interface MapJobData {
  source: string;
  items: MapItem[];
}

/** The final answer to a payload, kept under the status key (the sync answer and the status URL). */
export interface AcceptJobResult {
  /** The sender's source: only its tokens may read this status. */
  source: string;
  status: number;
  accept?: Omit<AcceptResult, 'toMap' | 'premapped' | 'resolvable'>;
  outcome?: OperationOutcome;
  map?: MapSummary;
}

/** What the job itself returns (visible on the dashboard): counts only. */
export interface AcceptJobReturn {
  status: number;
  entries: number;
  mapped: number;
  deadLettered: number;
}

/**
 * `token`: the BullMQ lock token of this run. With it, a payload still behind others for budget after
 * `budgetWaitMs` has its job handed back to the queue (delayed, not failed: no attempt is spent), so
 * another process with room runs it, at most MAX_HAND_BACKS times; without it (a direct call), or with
 * `budgetWaitMs` 0, the run waits for budget here.
 */
export async function processAccept(
  job: Job<AcceptJobData>,
  deps: IngestDeps,
  token?: string,
): Promise<AcceptJobReturn> {
  const release = await admit(job, deps, token);
  try {
    return await acceptRecorded(job, deps);
  } finally {
    release?.();
  }
}

/**
 * The payload is loaded only once its bytes fit this process's budget: every step after holds several
 * times its size (payload-budget.ts). Returns the release (none without a budget, or for size 0: the
 * payload is finished already, or was never recorded); throws DelayedError when the job was handed back.
 */
async function admit(
  job: Job<AcceptJobData>,
  deps: IngestDeps,
  token?: string,
): Promise<(() => void) | undefined> {
  const budget = deps.budget;
  const bytes = budget ? await deps.payloads.size(job.data.payloadId) : 0;
  if (!budget || bytes === 0) return undefined;
  const handBack = !!token && !!deps.budgetWaitMs && handedBack(job) < MAX_HAND_BACKS;
  if (!handBack) return budget.acquire(bytes);
  const release = await budget.acquireWithin(bytes, deps.budgetWaitMs!);
  if (release) return release;
  try {
    await job.moveToDelayed(Date.now() + HAND_BACK_DELAY_MS, token);
  } catch (err) {
    // Redis refused, or another process holds the job now (a stall): run it here after all (running a
    // payload twice at once is safe).
    deps.log.warn({ jobId: job.id, err: (err as Error).message }, 'payload hand-back refused; waiting here');
    return budget.acquire(bytes);
  }
  deps.log.info(
    { jobId: job.id, bytes, inFlight: budget.inFlight, waiting: budget.waiting },
    'payload handed back: this process has no budget for it now',
  );
  throw new DelayedError();
}

async function acceptRecorded(job: Job<AcceptJobData>, deps: IngestDeps): Promise<AcceptJobReturn> {
  const id = job.data.payloadId;
  const statusKey = deps.store.keys.ingestStatus(id);
  const payload = await deps.payloads.load(id);
  if (!payload) {
    // Finished by an earlier (or a concurrent) run of this job: report what it answered.
    const done = await storedStatus(id, deps);
    if (!done) throw new UnrecoverableError('payload not found (expired or never recorded)');
    return finished(done);
  }
  // Only these are kept: the payload's text is garbage once parsed.
  const { source, conditions } = payload;
  let result: AcceptJobResult;
  let tally: Partial<EntryTally>;
  let remapped = 0;
  // The turn is taken before the text is parsed: a payload waiting for it holds only its text.
  const turn = await deps.cpuTurns?.take();
  try {
    const accepted = await acceptPayload(recordedJson(payload.body), source, {
      store: deps.store,
      validate: deps.validate,
      payloadId: id,
      conditions,
      resultTtlSeconds: 0, // kept while the payload is pending; `finish` expires it with the status
      rejects: deps.rejects,
      premap: premapper(deps.map, source),
      turn,
    });
    const map = await mapItems(source, accepted.toMap, deps, accepted.premapped);
    const mappedNow = new Set(accepted.toMap.map((i) => i.key));
    remapped = await mapDependents(source, accepted.resolvable, mappedNow, id, deps);
    tally = accepted.tally;
    const { toMap: _t, premapped: _p, resolvable: _r, ...rest } = accepted;
    result = { source, status: 200, accept: withParked(rest, map.parked), map };
  } catch (err) {
    if (!(err instanceof FhirError)) throw err; // infrastructure failure: retried
    tally = { invalid: 1 };
    result = { source, status: err.status, outcome: err.outcome };
  } finally {
    turn?.end();
  }
  // Counted by the run that finished the payload only: another run of the same job at once (a stall
  // handed it on) applied nothing new, and its counts would be the same entries again.
  const first = await deps.payloads.finish(id, statusKey, result, deps.statusTtlSeconds);
  if (first) {
    for (const [k, n] of Object.entries(tally)) deps.metrics.ingestEntries.inc({ source, outcome: k }, n);
  }
  deps.log.info(
    {
      jobId: job.id,
      status: result.status,
      entries: result.accept?.entries.length ?? 0,
      remapped,
      ...(first ? {} : { finishedBefore: true }),
    },
    'payload processed',
  );
  if (!first) {
    // The status another run wrote is the answer (the sender may have it already).
    const done = await storedStatus(id, deps);
    if (done) return finished(done);
  }
  return finished(result);
}

/**
 * The recorded payload, parsed. The API recorded only text it had parsed, so a failure here means a
 * payload that can never be processed: it is answered 400 (and the job fails for good) instead of being
 * retried forever as if Redis had failed.
 */
function recordedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FhirError(
      400,
      issue('structure', 'The recorded payload is not valid JSON: nothing was stored'),
    );
  }
}

/**
 * An entry stored whose mapping was dead-lettered: still its 2xx (the version is stored and readable),
 * with a warning that its clinical events are not there yet, so the sender is not told only "Created".
 */
function withParked<A extends { entries: EntryResult[] }>(accept: A, parked: string[]): A {
  if (!parked.length) return accept;
  const keys = new Set(parked);
  const entries = accept.entries.map((e) => {
    const key = e.location?.split('/_history/')[0];
    if (!key || !keys.has(key)) return e;
    const warning = issue(
      'transient',
      'Stored, but mapping it to clinical events failed: it is dead-lettered and mapped again automatically ' +
        '(with backoff); its courses and flags follow when that succeeds.',
      undefined,
      'warning',
    );
    return { ...e, outcome: outcomeOf([...(e.outcome?.issue ?? []), warning]) };
  });
  return { ...accept, entries };
}

/** The answer a run of this payload's job wrote when it finished it (undefined: not finished, or expired). */
async function storedStatus(id: string, deps: IngestDeps): Promise<AcceptJobResult | undefined> {
  return (await deps.store.getIngestStatus(id)) as AcceptJobResult | undefined;
}

function finished(r: AcceptJobResult): AcceptJobReturn {
  if (r.status >= 400) throw new UnrecoverableError(`payload rejected with ${r.status}`);
  return {
    status: r.status,
    entries: r.accept?.entries.length ?? 0,
    mapped: r.map?.mapped ?? 0,
    deadLettered: r.map?.deadLettered ?? 0,
  };
}

export async function processMap(job: Job<MapJobData>, deps: IngestDeps): Promise<MapSummary> {
  let summary: MapSummary;
  try {
    summary = await mapItems(job.data.source, job.data.items, deps);
  } catch (err) {
    if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw err;
    summary = await parkReaders(job, deps, err as Error);
  }
  deps.log.info(
    {
      jobId: job.id,
      items: job.data.items.length,
      mapped: summary.mapped,
      patients: summary.patients.length,
    },
    'mapped',
  );
  return summary;
}

/**
 * A `map` job's last attempt failed: no payload is pending for it, so its readers are dead-lettered one
 * by one (visible, replayed by the sweep with backoff) and the job completes. Were Redis down for this
 * too, the job fails and the sweep retries it.
 */
async function parkReaders(job: Job<MapJobData>, deps: IngestDeps, err: Error): Promise<MapSummary> {
  const { source, items } = job.data;
  for (const it of items) {
    await deps.deadLetters.add(
      { source, key: it.key, patient: it.patient, versionId: it.versionId },
      err.name,
    );
  }
  deps.log.warn(
    { jobId: job.id, items: items.length, err: err.name },
    'map job exhausted its attempts; dead-lettered',
  );
  const parked = items.map((i) => i.key);
  return { ...emptySummary(), deadLettered: parked.length, parked };
}
