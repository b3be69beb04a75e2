/**
 * The V8 flags bitebridge's processes run with.
 *
 * Every process (the API, a worker, everything in one) is started with MEMORY_V8_FLAGS on its node
 * command line: package.json's start scripts, the Dockerfile and docker-compose.yml carry them
 * (test/unit/packaging.test.ts keeps them equal), and `npm run bench` starts bitebridge with what
 * `npm start` runs. They cannot be set from inside the process: V8 sizes its young generation when the
 * process starts. Forked worker processes (src/worker-processes.ts) inherit the API process's flags and
 * add WORKER_V8_FLAGS' own where neither the command line nor NODE_OPTIONS set the same option.
 */

/**
 * Memory, each measured with scratch runs of `npm run bench`'s sustained load (12 rounds of 50
 * Synthea-shaped patients through one set of processes, 2 cores): two alternating pairs (V8's defaults
 * for the API / both flags) and three alternating triples (stop 30's flags / both / 16 MB semi-spaces
 * on the API only); README "Memory under sustained load" has the benches' figures.
 * - `--max-semi-space-size=16`: on a machine with several GB V8 grows the young generation up to
 *   134 MB (its new space; 34 MB with the flag), most of what the API process held: the API's peak
 *   was 311–405 MB in six runs without the flags, 182–198 MB in five with both. Worker processes have
 *   had it since stop 28 (with INGEST_CONCURRENCY 4 and the CPU turns a payload's objects die within
 *   a scavenge or two of 16 MB: peak 436–474 → 336–367 MB, at ~10–15 % more worker CPU in short runs;
 *   docs/performance-history.md).
 * - `--heap-growing-percent=50`: after a full collection V8 lets the old generation grow by a factor
 *   it derives from its collection and allocation speeds, up to 4 under its default limit (several GB),
 *   before the next. Here a worker's next mark-compact came at ~200 MB with ~80–90 MB live (`--trace-gc`:
 *   2–3 per worker over the run; about 2.3×) and workers peaked at 311–440 MB (six runs); with a fixed
 *   factor of 1.5 at 294–352 MB (five runs; a factor of 2, two runs: 319–404), their CPU per entry
 *   within the runs' spread (36–39 µs without, 38–42 with, in the triples; the third, 16 MB
 *   semi-spaces on the API only, 35–38). Unlike a cap (WORKER_MAX_OLD_SPACE_MB) it bounds nothing: a
 *   process that needs more memory still gets it, only collected sooner.
 * With everything in one process (WORKER_PROCESSES=0) both together took the peak (two runs each)
 * from 390–418 to 278–282 MB, at 32–33 → 38–40 µs of CPU per entry (the smaller young generation
 * promotes more).
 */
export const MEMORY_V8_FLAGS = ['--max-semi-space-size=16', '--heap-growing-percent=50'];

/**
 * A worker process's flags: the memory flags, and `--single-threaded-gc`. V8 scavenges and marks on
 * helper threads in parallel by default. With the cores already busy (the API, Redis and the other
 * worker) the parallel scavenger costs more CPU than it saves. In 5 alternating pairs (3 with the flag
 * on every process, 2 on the workers only) the helpers used 0.75–1.1 s per worker process per 63k
 * entries, against 0.5–0.74 s (then mostly compilation) with the flag; worker CPU per entry in those
 * pairs 80–131 → 68–104 µs (per pair −1 to −40 %, median −21 %; the two workers-only pairs −40 % and
 * −21 %). Workers run batch jobs: a longer pause on their own thread holds up no API answer.
 * A setting the operator gave for the same V8 option wins over ours: on the command line, or in
 * NODE_OPTIONS where node allows it (it refuses GC-threading flags and the growing percentage there).
 * Any GC-threading option given (`--parallel-scavenge`, `--concurrent-marking`, …) counts as a setting
 * of `--single-threaded-gc`, which would otherwise silently turn it off.
 */
export const WORKER_V8_FLAGS = [...MEMORY_V8_FLAGS, '--single-threaded-gc'];

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
 * generation only. A cap bounds a worker's heap at a cost in CPU, which is largest in a worker's first
 * seconds: with 320 (and 32 MB semi-spaces) workers stayed at 370–381 MB, but spent 105–125 µs per
 * entry in the bench's short runs against 60–69 uncapped (stop 25), so it is not the default; the
 * growing percentage above bounds their usual peak without it. It is a hard limit: the payload budget
 * (queue/payload-budget.ts) bounds the payloads in process, and the cap must leave room for them
 * (README "Memory under sustained load" says how to size it). NODE_OPTIONS would cap the API process
 * too, which holds every request body in flight (sixteen 9 MB bundles at once ran a 256 MB API out of
 * memory).
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

/** A token's setting, spelled one way: `--max_semi_space_size=16` and `-max-semi-space-size=16` agree. */
function settingOf(token: string): string {
  const bare = token.replaceAll('_', '-').replace(/^--?/, '');
  const off = bare.replace(/^no-?/, '') !== bare;
  const eq = bare.indexOf('=');
  return `${off ? 'no-' : ''}${optionOf(token)}=${eq < 0 ? '' : bare.slice(eq + 1)}`;
}

/**
 * The NODE_OPTIONS settings of our V8 flags' options that this process's command line replaced with
 * another value: node reads NODE_OPTIONS first, so `NODE_OPTIONS=--max-semi-space-size=32 npm start`
 * still runs with the start script's 16. Logged at start-up, so such a setting does not look applied
 * when it is not. Other options are not judged (some, like `--require`, add up rather than replace).
 */
export function replacedNodeOptions(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string[] {
  const ours = new Set(WORKER_V8_FLAGS.map(optionOf));
  // node takes the last setting of an option on its command line
  const onCommandLine = new Map<string, string>();
  for (const t of execArgv) {
    const option = optionOf(t);
    if (option !== undefined && ours.has(option)) onCommandLine.set(option, settingOf(t));
  }
  return nodeOptions.split(/\s+/).filter((t) => {
    const option = optionOf(t);
    const wins = option === undefined ? undefined : onCommandLine.get(option);
    return wins !== undefined && wins !== settingOf(t);
  });
}
