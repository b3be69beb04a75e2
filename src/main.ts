/**
 * Entry point.
 *   main.ts                 the API in this process and every worker in WORKER_PROCESSES forked
 *                           processes (default: one per core); WORKER_PROCESSES=0: all in this process
 *   main.ts --samples       the same, then posts the sample patients and prints what was flagged
 *   main.ts api             API only
 *   main.ts worker <queue…> the named workers only (all when none named)
 */
import { WORKERS } from '../workers';
import { isQueueName, QUEUE_NAMES } from './queue/queues';
import { runProcess } from './process';
import { loadSamples } from './samples';

function usage(msg: string): never {
  process.stderr.write(
    `bitebridge: ${msg}\nusage: main.ts [api | worker <${QUEUE_NAMES.join('|')}>...] [--samples]\n`,
  );
  process.exit(64);
}

const args = process.argv.slice(2);
const samples = args.includes('--samples');
const [mode, ...rest] = args.filter((a) => a !== '--samples');

if (mode === undefined) {
  void runProcess({
    api: true,
    workers: WORKERS,
    forkWorkers: { entry: __filename },
    afterStart: samples ? loadSamples : undefined,
  });
} else if (mode === 'api') {
  void runProcess({ api: true, workers: {} });
} else if (mode === 'worker') {
  const names = rest.length ? rest : [...QUEUE_NAMES];
  const bad = names.filter((n) => !isQueueName(n));
  if (bad.length) usage(`unknown queue ${bad.join(', ')}`);
  const picked = Object.fromEntries(
    names.filter((n) => isQueueName(n) && WORKERS[n]).map((n) => [n, WORKERS[n as keyof typeof WORKERS]]),
  );
  void runProcess({ api: false, workers: picked });
} else {
  usage(`unknown mode ${mode}`);
}
