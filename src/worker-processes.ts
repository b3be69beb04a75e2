/**
 * `npm start` on one machine: the API runs in this process and WORKER_PROCESSES worker processes
 * (default: one per core) run every queue. Validation, storage, mapping and assembling are CPU-heavy:
 * in their own processes they use every core and never hold up the API's event loop (or /healthz).
 * A child that dies is restarted (its jobs are recovered by stall detection and the ingest sweep);
 * on shutdown each child gets SIGTERM and its own graceful stop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Logger } from './logger';
import { workerExecArgv } from './v8-flags';

export interface WorkerProcesses {
  stop(): Promise<void>;
}

/**
 * Worker processes run `nice` steps below the API process (capped at 19). On a machine where they
 * share the cores with the API, the API's short tasks (acknowledging a payload, /healthz, reads) then
 * run before the workers' batch work: measured with `npm run bench`'s Synthea-shaped load on 2
 * cores, /healthz p50 4–6 → 2–2.6 ms and p99 43–47 → 25–32 ms, throughput unchanged.
 */
function lowerPriority(pid: number, nice: number, log: Logger): void {
  try {
    setPriority(pid, Math.min(19, getPriority() + nice));
  } catch (err) {
    log.warn({ pid, err: (err as Error).message }, 'could not lower the worker process priority');
  }
}

/**
 * Linux sets niceness per thread: threads a worker process started before its parent lowered it (V8's,
 * libuv's) keep the old priority; later ones inherit the main thread's. Run in a worker process once
 * it is up: every thread gets the main thread's niceness (only ever lowered, which needs no privilege).
 * Elsewhere (no /proc) there is nothing to align.
 */
export function alignThreadPriorities(): void {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  const target = getPriority();
  for (const tid of tids.map(Number)) {
    try {
      if (getPriority(tid) < target) setPriority(tid, target);
    } catch {
      // the thread ended meanwhile
    }
  }
}

export function startWorkerProcesses(
  count: number,
  entry: string,
  env: Record<string, string>,
  log: Logger,
  nice = 0,
  maxOldSpaceMb = 0,
): WorkerProcesses {
  const children = new Set<ChildProcess>();
  let stopping = false;
  const spawnOne = (slot: number) => {
    const child = fork(entry, ['worker'], {
      env: { ...process.env, ...env, PORT: '0', WORKER_PROCESSES: '0' },
      execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS ?? '', maxOldSpaceMb),
      stdio: 'inherit',
    });
    children.add(child);
    if (child.pid !== undefined && nice > 0) lowerPriority(child.pid, nice, log);
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (stopping) return;
      log.warn({ slot, code, signal }, 'worker process exited; restarting it');
      setTimeout(() => !stopping && spawnOne(slot), 1000).unref();
    });
  };
  for (let i = 0; i < count; i++) spawnOne(i);
  log.info({ workerProcesses: count }, 'worker processes started');
  return {
    async stop() {
      stopping = true;
      await Promise.all(
        [...children].map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
