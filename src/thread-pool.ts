/**
 * CPU-heavy request work off the API's event loop: a bounded worker-thread pool (piscina). `$validate`
 * and the UI pages each have one. A pool starts on first use, keeps `threads` threads (default 1: the
 * cores belong to the worker processes) and lets an idle thread exit after `idleMs`, returning what
 * it loaded. A full queue is refused at once (ThreadPoolBusy → 503) instead of piling up.
 */
import { extname } from 'node:path';
import { Piscina } from 'piscina';

export interface ThreadPoolOptions {
  threads: number;
  idleMs: number;
  /** Tasks waiting for a thread before new ones are refused. */
  maxQueue: number;
}

export class ThreadPoolBusy extends Error {
  constructor() {
    super('thread pool queue is full');
    this.name = 'ThreadPoolBusy';
  }
}

export class ThreadPool<Task, Result> {
  private pool?: Piscina;
  private running = 0;

  /** `thread`: the thread's module path without extension (its default export runs one task). */
  constructor(
    private readonly thread: string,
    private readonly opts: ThreadPoolOptions,
  ) {}

  async run(task: Task): Promise<Result> {
    if (this.running >= this.opts.threads + this.opts.maxQueue) throw new ThreadPoolBusy();
    const pool = (this.pool ??= this.start());
    this.running++;
    try {
      return (await pool.run(task)) as Result;
    } finally {
      this.running--;
    }
  }

  /** Tasks handed to the pool and not yet answered (running or waiting for a thread). */
  get inFlight(): number {
    return this.running;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }

  private start(): Piscina {
    // Compiled: the thread's file is .js like this one. From sources (ts-node, jest) it is .ts and
    // the thread registers ts-node itself, since threads do not inherit jest's transform.
    const ext = extname(__filename);
    return new Piscina({
      filename: `${this.thread}${ext}`,
      minThreads: 0,
      maxThreads: this.opts.threads,
      idleTimeout: this.opts.idleMs,
      execArgv: ext === '.ts' ? ['-r', require.resolve('ts-node/register/transpile-only')] : [],
    });
  }
}
