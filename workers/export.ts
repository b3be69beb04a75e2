/**
 * `export` queue: bulk exports, plus the expiry sweeper. The sweeper is a timer in each export
 * worker process (not a BullMQ repeatable job, which would keep a delayed job in the queue forever
 * and make the queue never look idle); sweeping is idempotent, so several workers may sweep.
 * Run alone: `node -r ts-node/register/transpile-only workers/export.ts`.
 */
import type { Job } from 'bullmq';
import { ExportJobs } from '../src/export/jobs';
import { exportDirOf, processExport } from '../src/queue/processors/export';
import { runProcess } from '../src/process';
import { startWorker, type Runtime } from '../src/runtime';

/** How often expired export files are deleted: once a minute, sooner for short TTLs. */
export function sweepEveryMs(ttlSeconds: number): number {
  return Math.max(500, Math.min(60_000, ttlSeconds * 500));
}

export function exportWorker(rt: Runtime) {
  const jobs = new ExportJobs(rt.conn, rt.cfg.keyPrefix);
  const deps = {
    store: rt.store,
    jobs,
    exportDir: rt.cfg.exportDir,
    ttlSeconds: rt.cfg.exportTtlSeconds,
    log: rt.log,
  };
  const w = startWorker(rt, 'export', (job: Job<{ id?: string }>) => processExport(job, deps));
  const timer = setInterval(() => {
    jobs
      .sweep(Date.now(), (id) => exportDirOf(rt.cfg.exportDir, id))
      .then((n) => n && rt.log.info({ swept: n }, 'expired exports deleted'))
      .catch((err: Error) => rt.log.warn({ err: err.message }, 'export sweep failed'));
  }, sweepEveryMs(rt.cfg.exportTtlSeconds));
  timer.unref();
  w.on('closing', () => clearInterval(timer));
  return w;
}

if (require.main === module) void runProcess({ api: false, workers: { export: exportWorker } });
