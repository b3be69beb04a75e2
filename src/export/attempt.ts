/**
 * One run (attempt) of a queued export, safe when BullMQ runs the same export twice at once.
 *
 * Every run has a random token and writes only below the export's folder, in directories named by its
 * token: `<folder>/<token>.partial` while writing, renamed to `<folder>/<token>` when every file is
 * complete. Publication is a compare-and-set on the job record (jobs.ts): it succeeds only for the
 * run that holds the newest claim and only while the export is not complete. A run that loses deletes
 * its own directories and nothing else, so a published manifest's files are never deleted by another
 * run; they go only with the export (cancel or expiry). Directories of runs that crashed stay in the
 * folder until then.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/store';
import type { ExportJobs, ExportSpec, RunState } from './jobs';
import { ExportCancelled, writeExport } from './run';

export interface AttemptDeps {
  store: Store;
  jobs: ExportJobs;
  ttlSeconds: number;
  now: () => number;
  /** Least time between two progress writes (each is one Redis round trip). */
  checkpointEveryMs?: number;
  /** Told the progress after each written patient that reached the job record. */
  onProgress?: (done: number, total: number) => Promise<void>;
}

export type AttemptOutcome =
  | { status: 'published'; resources: number; files: number }
  /** Another run published it (before this one started, or while it ran). */
  | { status: 'complete' }
  | { status: 'cancelled' }
  /** A newer run of the same export claimed it; that run carries on. */
  | { status: 'superseded' };

function stopped(state: RunState): AttemptOutcome {
  if (state === 'cancelled') return { status: 'cancelled' };
  if (state === 'complete') return { status: 'complete' };
  return { status: 'superseded' };
}

/** Runs export `spec.id` once, writing below `folder`; publishes only if this run still owns it. */
export async function runExportAttempt(
  deps: AttemptDeps,
  spec: ExportSpec,
  folder: string,
): Promise<AttemptOutcome> {
  const id = spec.id;
  const token = randomBytes(9).toString('hex');
  const claim = await deps.jobs.claim(id, token, folder);
  if (claim !== 'owner') return stopped(claim);

  const every = deps.checkpointEveryMs ?? 250;
  let lastCheck = -Infinity;
  const checkpoint = async (done: number, total: number): Promise<boolean> => {
    if (deps.now() - lastCheck < every) return true;
    lastCheck = deps.now();
    // Text, not a leading number: Bulk clients read "105 patients" as "105%".
    const progress =
      total > done
        ? `Exported ${done} of ${total} patients (${Math.floor((100 * done) / total)}%)`
        : `Exported ${done} patients so far`;
    const state = await deps.jobs.progress(id, token, progress);
    if (state === 'cancelled') throw new ExportCancelled('cancelled');
    if (state !== 'owner') throw new ExportCancelled('superseded');
    await deps.onProgress?.(done, total);
    return true;
  };

  const work = join(folder, `${token}.partial`);
  const done = join(folder, token);
  let written;
  try {
    written = await writeExport(deps.store, spec, work, { checkpoint });
  } catch (err) {
    if (err instanceof ExportCancelled) {
      // This run lost (cancelled, expired, or another run owns the export): its files are its own to
      // delete, and the export folder goes too when nothing else is left in it.
      await rm(work, { recursive: true, force: true });
      await removeIfEmpty(folder);
      return { status: err.reason };
    }
    throw err;
  }
  try {
    await rename(work, done);
  } catch (err) {
    // The folder went with the export (cancel or expiry) while this run was writing.
    await rm(work, { recursive: true, force: true });
    if (!(await deps.jobs.exists(id))) {
      await removeIfEmpty(folder);
      return { status: 'cancelled' };
    }
    throw err;
  }
  const result = { ...written, dir: done };
  const state = await deps.jobs.publish(
    id,
    token,
    result,
    deps.now() + deps.ttlSeconds * 1000,
    deps.ttlSeconds,
  );
  if (state !== 'owner') {
    await rm(done, { recursive: true, force: true });
    await removeIfEmpty(folder);
    return stopped(state);
  }
  return {
    status: 'published',
    resources: result.output.reduce((n, f) => n + f.count, 0),
    files: result.output.length,
  };
}

/** rmdir succeeds only on an empty directory: another run's files are never touched. */
async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch(() => undefined);
}
