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

/**
 * V8 flags of a worker process, each measured with `npm run bench`'s Synthea-shaped run (alternating
 * runs on one 2-core machine):
 * - `--max-semi-space-size=16` (with INGEST_CONCURRENCY 4): the young generation is most of what a
 *   worker holds beyond its live data (two semi-spaces: 128 MB at the earlier 64). Since payloads take
 *   CPU turns and validation allocates 40 % less per entry, a payload's objects die within a
 *   scavenge or two of 16 MB, and the workers' peak RSS under sustained load fell from 436–474 MB
 *   (64 MB, 8 at once) to 336–367 MB (16 MB, 4 at once); the price is throughput: ~10–15 % more
 *   worker CPU per entry in the bench's short runs, sustained 0.79–0.87x validate against 0.95–0.99x
 *   (alternating runs and two benches; docs/performance-history.md, stop 28).
 *   Before the turns, 64 against V8's default had cut worker CPU per entry from 121–127 to 96–111 µs.
 * - `--single-threaded-gc`: V8 scavenges and marks on helper threads in parallel by default. With the
 *   cores already busy (the API, Redis and the other worker) the parallel scavenger costs more CPU than
 *   it saves. In 5 alternating pairs (3 with the flag on every process, 2 on the workers only) the
 *   helpers used 0.75–1.1 s per worker process per 63k entries, against 0.5–0.74 s (then mostly
 *   compilation) with the flag; worker CPU per entry in those pairs 80–131 → 68–104 µs (per pair −1 to
 *   −40 %, median −21 %; the two workers-only pairs −40 % and −21 %). Workers run batch jobs: a longer
 *   pause on their own thread holds up no API answer.
 * A setting the operator gave for the same V8 option wins over ours: on the command line, or in
 * NODE_OPTIONS where node allows it (it refuses GC-threading flags there). Any GC-threading option
 * given (`--parallel-scavenge`, `--concurrent-marking`, …) counts as a setting of `--single-threaded-gc`,
 * which would otherwise silently turn it off.
 */
export const WORKER_V8_FLAGS = ['--max-semi-space-size=16', '--single-threaded-gc'];

/** Options that, when the operator gave any of them, mean ours is not added (by our flag's option). */
const SETTLED_BY: Record<string, readonly string[]> = {
  'single-threaded-gc': [
    'single-threaded-gc',
    'parallel-scavenge',
    'parallel-marking',
    'parallel-compaction',
    'concurrent-marking',
    'concurrent-sweeping',
  ],
};

/**
 * The V8 option a command-line token sets, or undefined for a token that is not an option (a value).
 * V8 reads `_` as `-`, accepts one or two leading dashes, and `no`/`no-` before a name to turn it off:
 * `--no_x`, `--nox`, `-x=1` and `--x` all set `x`.
 */
function optionOf(token: string): string | undefined {
  if (!token.startsWith('-')) return undefined;
  return token.replaceAll('_', '-').replace(/^--?/, '').replace(/^no-?/, '').split('=')[0];
}

/**
 * `maxOldSpaceMb` (WORKER_MAX_OLD_SPACE_MB, 0: V8's own limit): a cap on the worker processes' old
 * generation only. Under sustained load V8 lets a worker's heap grow to ~250 MB of mostly dead objects
 * (430–570 MB resident; its growing factor is 4 under V8's default limit of several GB, and any cap
 * lowers it). A cap bounds that at a cost in CPU, which is largest in a worker's first seconds: with 320
 * (and 32 MB semi-spaces) workers stayed at 370–381 MB, but spent 105–125 µs per entry in the bench's
 * short runs against 60–69 uncapped (README "Performance"), so it is not the default. It is a hard
 * limit: the payload budget (queue/payload-budget.ts) bounds the payloads in process, and the cap must
 * leave room for them (README "Memory under sustained load" says how to size it). NODE_OPTIONS would cap the API process too, which holds every request body in
 * flight (sixteen 9 MB bundles at once ran a 256 MB API out of memory).
 */
export function workerExecArgv(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
  maxOldSpaceMb = 0,
): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(optionOf));
  const settled = (flag: string) => {
    const option = optionOf(flag)!;
    return (SETTLED_BY[option] ?? [option]).some((o) => given.has(o));
  };
  const flags = [...WORKER_V8_FLAGS];
  if (maxOldSpaceMb > 0) flags.push(`--max-old-space-size=${maxOldSpaceMb}`);
  return [...execArgv, ...flags.filter((f) => !settled(f))];
}

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
