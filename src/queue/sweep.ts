/**
 * The ingest sweep: nothing acknowledged may wait for an operator. Runs in every ingest worker
 * process on a timer (idempotent, so several sweepers are harmless):
 * 1. a pending payload without a job (the API crashed between recording it and enqueueing) is
 *    enqueued; one whose job exhausted its attempts is retried with exponential backoff;
 * 2. failed `assemble` jobs, and failed `map` jobs (the readers of a changed Medication, Substance or
 *    Specimen, map-items.ts `mapDependents`: no payload stays pending for them; a map job's last attempt
 *    dead-letters its readers, so one fails only when that failed too), are retried with the same
 *    backoff; failed ingest job ids are read 2,000 newest and 2,000 older ones a pass, the older window
 *    moving on each pass round the whole failed set (rejected payloads' jobs are there too);
 * 3. dead-lettered resources that are due are mapped again, a page of letters per source in one
 *    `mapItems` call.
 * A job another sweeper retried first makes this one's retry throw: skipped, the pass goes on.
 */
import type { Job } from 'bullmq';
import { backoffMs, type DeadLetter, type DeadLetters } from '../store/dead-letters';
import type { PayloadLog } from '../store/payloads';
import type { Logger } from '../logger';
import { isRedisUnavailable } from '../redis';
import { MAP_JOB_ID_PREFIX, mapItems, type MapDeps } from './map-items';

export interface SweepDeps extends MapDeps {
  payloads: PayloadLog;
  deadLetters: DeadLetters;
  log: Logger;
}

export interface SweepResult {
  enqueued: number;
  retried: number;
  replayed: number;
}

const BATCH = 500;
/** Failed ingest job ids read per pass when looking for failed `map` jobs (see `sweepOnce`). */
const FAILED_WINDOW = BATCH * 4;

/** What a sweeper keeps from one pass to the next. */
export interface SweepState {
  /** Where the next pass reads its page of older failed ingest job ids (newest first). */
  olderFrom: number;
}

export interface SweepOptions {
  state?: SweepState;
  /** Failed ingest job ids per read (tests make it small). */
  failedWindow?: number;
}

/**
 * Retries a failed job when its backoff (by how often it was already replayed) has passed. A retry that
 * throws because another sweeper retried the job first is not an error; any other is logged.
 */
async function retryWhenDue(job: Job, now: number, log: Logger): Promise<boolean> {
  const replays = Number((job.data as { replays?: number }).replays ?? 0);
  if ((job.finishedOn ?? 0) + backoffMs(replays + 1) > now) return false;
  try {
    await job.updateData({ ...(job.data as object), replays: replays + 1 });
    await job.retry('failed');
    return true;
  } catch (err) {
    const state = await job.getState().catch(() => 'unknown');
    if (state === 'failed' || state === 'unknown') {
      log.warn({ jobId: job.id, state, err: (err as Error).message }, 'ingest sweep: retry failed');
    }
    return false;
  }
}

export async function sweepOnce(
  deps: SweepDeps,
  now = Date.now(),
  graceMs = 2000,
  opts: SweepOptions = {},
): Promise<SweepResult> {
  const result: SweepResult = { enqueued: 0, retried: 0, replayed: 0 };
  const ingest = deps.queues.get('ingest');
  for (const id of await deps.payloads.pendingBefore(now - graceMs, BATCH)) {
    const job = await ingest.getJob(id);
    if (!job) {
      await ingest.add('accept', { payloadId: id }, { jobId: id });
      result.enqueued++;
    } else if ((await job.getState()) === 'failed' && (await retryWhenDue(job, now, deps.log))) {
      result.retried++;
    }
  }
  for (const job of await deps.queues.get('assemble').getFailed(0, BATCH - 1)) {
    if (await retryWhenDue(job, now, deps.log)) result.retried++;
  }
  // Ids only first: the failed set also holds rejected payloads' `accept` jobs, by design, so a failed
  // map job can sit behind any number of them. Each pass reads the newest window and one older window,
  // the next older one at the next pass, round the whole set: none is out of reach for long.
  const window = opts.failedWindow ?? FAILED_WINDOW;
  const state = opts.state ?? { olderFrom: window };
  const newest = await ingest.getRanges(['failed'], 0, window - 1);
  const older = await ingest.getRanges(['failed'], state.olderFrom, state.olderFrom + window - 1);
  state.olderFrom = older.length < window ? window : state.olderFrom + window;
  const failedIngest = [...new Set([...newest, ...older])];
  for (const id of failedIngest.filter((i) => i.startsWith(MAP_JOB_ID_PREFIX)).slice(0, BATCH)) {
    const job = await ingest.getJob(id);
    if (job?.name === 'map' && (await retryWhenDue(job, now, deps.log))) result.retried++;
  }
  // Page by page (never the whole hash in one reply); HSCAN may repeat a letter, replayed once here.
  const seen = new Set<string>();
  for await (const page of deps.deadLetters.scan()) {
    const due = page.filter((l) => l.dueAt <= now && !seen.has(l.key));
    for (const l of due) seen.add(l.key);
    result.replayed += await replayLetters(due, deps);
  }
  if (result.enqueued || result.retried || result.replayed) deps.log.info({ ...result }, 'ingest sweep');
  return result;
}

/**
 * Maps due dead letters again, one `mapItems` call per source (a page of letters costs the round trips
 * of one payload's mapping, not of one each). A letter whose resource maps is resolved; one whose mapper
 * throws again is parked again by `mapItems` with its next backoff. Anything else that fails a source's
 * batch (a stored body that cannot be read, a save the store refuses) is narrowed down letter by letter,
 * so one such letter neither keeps the others of its page unresolved nor stops the pass.
 */
async function replayLetters(letters: DeadLetter[], deps: SweepDeps): Promise<number> {
  const bySource = new Map<string, DeadLetter[]>();
  for (const l of letters) {
    const list = bySource.get(l.source);
    if (list) list.push(l);
    else bySource.set(l.source, [l]);
  }
  for (const [source, list] of bySource) {
    try {
      await replayBatch(source, list, deps);
    } catch (err) {
      if (list.length === 1 || isRedisUnavailable(err as Error)) {
        await parkAgain(list, err as Error, deps);
        continue;
      }
      deps.log.warn(
        { source, letters: list.length, err: (err as Error).name },
        'dead-letter replay: one by one',
      );
      for (const l of list) {
        try {
          await replayBatch(source, [l], deps);
        } catch (e) {
          await parkAgain([l], e as Error, deps);
        }
      }
    }
  }
  return letters.length;
}

async function replayBatch(source: string, list: DeadLetter[], deps: SweepDeps): Promise<void> {
  const items = list.map((l) => ({ key: l.key, patient: l.patient, versionId: l.versionId }));
  const parked = new Set((await mapItems(source, items, deps)).parked);
  await deps.deadLetters.resolveMany(list.filter((l) => !parked.has(l.key)));
}

/**
 * Letters whose replay failed outside their mapper: parked again, so their backoff moves on instead of
 * the same letters failing every pass (each only if it is still the letter replayed: a newer version's
 * letter parked meanwhile is kept). When Redis is unavailable the pass stops (the next one tries
 * again); a refused re-park is logged and the pass goes on.
 */
async function parkAgain(list: DeadLetter[], err: Error, deps: SweepDeps): Promise<void> {
  if (isRedisUnavailable(err)) throw err;
  let parked = 0;
  try {
    for (const l of list) if (await deps.deadLetters.repark(l, err.name)) parked++;
  } catch (e) {
    if (isRedisUnavailable(e as Error)) throw e;
    deps.log.error(
      { letters: list.length, err: (e as Error).name },
      'dead-letter replay: parking again failed',
    );
    return;
  }
  deps.log.error({ letters: list.length, parked, err: err.name }, 'dead-letter replay failed; parked again');
}

/** Starts the periodic sweep; returns its stop function. */
export function startSweep(deps: SweepDeps, everyMs: number): () => void {
  let running = false;
  const state: SweepState = { olderFrom: FAILED_WINDOW };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepOnce(deps, Date.now(), undefined, { state })
      .catch((err: Error) => deps.log.warn({ err: err.name }, 'ingest sweep failed'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
