/**
 * The `export` queue's processor. Job `run` ({ id }): runs the export recorded under `id`, publishing
 * the manifest data only when every file is complete; a retried job (its worker died) starts over
 * from nothing. A cancel (the record deleted) stops the run at the next patient and discards the
 * files. Job `sweep`: deletes expired exports and their files (the worker also sweeps on a timer).
 */
import { resolve, join } from 'node:path';
import type { Job } from 'bullmq';
import { ExportJobs } from '../../export/jobs';
import { ExportCancelled, runExport } from '../../export/run';
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
  { id: string; status: 'complete' | 'cancelled'; resources?: number } | { swept: number };

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
  const dir = exportDirOf(deps.exportDir, id);
  let lastCheck = 0;
  const checkpoint = async (done: number, total: number): Promise<boolean> => {
    if (now() - lastCheck < 250) return true;
    lastCheck = now();
    await job.updateProgress({ done, total });
    // Text, not a leading number: Bulk clients read "105 patients" as "105%".
    const progress =
      total > done
        ? `Exported ${done} of ${total} patients (${Math.floor((100 * done) / total)}%)`
        : `Exported ${done} patients so far`;
    return deps.jobs.update(id, { status: 'running', progress });
  };
  if (!(await deps.jobs.update(id, { status: 'running', progress: 'Starting' })))
    return { id, status: 'cancelled' };
  try {
    const result = await runExport(deps.store, rec.spec, dir, { checkpoint });
    const published = await deps.jobs.publish(id, result, now() + deps.ttlSeconds * 1000, deps.ttlSeconds);
    if (!published) {
      await deps.jobs.remove(id, dir);
      return { id, status: 'cancelled' };
    }
    const resources = result.output.reduce((n, f) => n + f.count, 0);
    deps.log.info({ exportId: id, files: result.output.length, resources }, 'export complete');
    return { id, status: 'complete', resources };
  } catch (err) {
    if (err instanceof ExportCancelled) {
      deps.log.info({ exportId: id }, 'export cancelled');
      return { id, status: 'cancelled' };
    }
    throw err;
  }
}
