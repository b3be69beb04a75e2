/**
 * The `export` queue's processor. Job `run` ({ id }): runs the export recorded under `id` as one
 * attempt (src/export/attempt.ts): files in directories of this run's own, published by
 * compare-and-set only when every file is complete and this run still owns the export, so two runs of
 * one job at once (a worker paused past its lock) publish once and never delete each other's files.
 * A retried job (its worker died) starts over from nothing. A cancel (the record deleted) stops the
 * run at the next patient and discards its files. Job `sweep`: deletes expired exports and their files
 * (the worker also sweeps on a timer).
 */
import { resolve, join } from 'node:path';
import type { Job } from 'bullmq';
import { runExportAttempt } from '../../export/attempt';
import { ExportJobs } from '../../export/jobs';
import type { Logger } from '../../logger';
import type { Store } from '../../store/store';

export interface ExportDeps {
  store: Store;
  jobs: ExportJobs;
  exportDir: string;
  ttlSeconds: number;
  log: Logger;
  /** Wall clock for expiry (injected for tests). */
  now?: () => number;
}

export function exportDirOf(exportDir: string, id: string): string {
  return join(resolve(exportDir), id);
}

export type ExportJobResult =
  { id: string; status: 'complete' | 'cancelled' | 'superseded'; resources?: number } | { swept: number };

export async function processExport(job: Job<{ id?: string }>, deps: ExportDeps): Promise<ExportJobResult> {
  const now = deps.now ?? Date.now;
  if (job.name === 'sweep') {
    const swept = await deps.jobs.sweep(now(), (id) => exportDirOf(deps.exportDir, id));
    if (swept) deps.log.info({ swept }, 'expired exports deleted');
    return { swept };
  }
  const id = String(job.data.id);
  const rec = await deps.jobs.get(id);
  if (!rec) return { id, status: 'cancelled' };
  if (rec.status === 'complete') return { id, status: 'complete' };
  const outcome = await runExportAttempt(
    {
      store: deps.store,
      jobs: deps.jobs,
      ttlSeconds: deps.ttlSeconds,
      now,
      onProgress: async (done, total) => void (await job.updateProgress({ done, total })),
    },
    rec.spec,
    exportDirOf(deps.exportDir, id),
  );
  switch (outcome.status) {
    case 'published':
      deps.log.info({ exportId: id, files: outcome.files, resources: outcome.resources }, 'export complete');
      return { id, status: 'complete', resources: outcome.resources };
    case 'cancelled':
      deps.log.info({ exportId: id }, 'export cancelled');
      return { id, status: 'cancelled' };
    case 'superseded':
      deps.log.info({ exportId: id }, 'export run superseded by a newer run of the same job');
      return { id, status: 'superseded' };
    default:
      return { id, status: 'complete' };
  }
}
