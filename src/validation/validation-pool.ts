/**
 * `$validate` off the API's event loop. Validating a large Bundle takes hundreds of milliseconds of
 * CPU; on the API thread that would stall every other request (and /healthz). So the API hands it to
 * a worker-thread pool (piscina). The pool starts on first use, keeps `threads` threads (default 1:
 * the cores belong to the worker processes) and lets an idle thread exit after `idleMs`, returning
 * the ~150 MB of definitions it loaded. A full queue is refused at once (503) instead of piling up.
 */
import { extname, join } from 'node:path';
import { Piscina } from 'piscina';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { ValidateTask } from './validate-thread';

export interface ValidationPoolOptions {
  threads: number;
  idleMs: number;
  /** Requests waiting for a thread before new ones are refused. */
  maxQueue: number;
}

export class ValidationPoolBusy extends Error {
  constructor() {
    super('validation pool queue is full');
    this.name = 'ValidationPoolBusy';
  }
}

export class ValidationPool {
  private pool?: Piscina;
  private running = 0;

  constructor(private readonly opts: ValidationPoolOptions) {}

  async validate(task: ValidateTask): Promise<OperationOutcome> {
    if (this.running >= this.opts.threads + this.opts.maxQueue) throw new ValidationPoolBusy();
    const pool = (this.pool ??= this.start());
    this.running++;
    try {
      return (await pool.run(task)) as OperationOutcome;
    } finally {
      this.running--;
    }
  }

  /** Validations handed to the pool and not yet answered (running or waiting for a thread). */
  get inFlight(): number {
    return this.running;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }

  private start(): Piscina {
    // Compiled: the thread's file is .js next to this one. From sources (ts-node, jest) it is .ts and
    // the thread registers ts-node itself, since threads do not inherit jest's transform.
    const ext = extname(__filename);
    const filename = join(__dirname, `validate-thread${ext}`);
    return new Piscina({
      filename,
      minThreads: 0,
      maxThreads: this.opts.threads,
      idleTimeout: this.opts.idleMs,
      execArgv: ext === '.ts' ? ['-r', require.resolve('ts-node/register/transpile-only')] : [],
    });
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The API's `$validate` pool (ops and tests read its in-flight count). */
    validationPool?: ValidationPool;
  }
}
