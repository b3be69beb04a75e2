/**
 * Queue names, job names and the job/worker options every process uses. Retries back off
 * exponentially; finished jobs are kept for a while (inspectable, replayable) then removed; stall
 * detection is tuned so a job whose worker died is picked up again within seconds.
 */
import { hostname } from 'node:os';
import { Queue, type DefaultJobOptions, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';

import { QUEUE_NAMES, type QueueName } from './names';

export { QUEUE_NAMES, isQueueName, type QueueName } from './names';

export function defaultJobOptions(cfg: Config): DefaultJobOptions {
  return {
    attempts: cfg.jobAttempts,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: cfg.keepCompletedSeconds, count: 10_000 },
    removeOnFail: { age: cfg.keepFailedSeconds, count: 50_000 },
  };
}

/**
 * lockDuration 10 s, stall check every 3 s: a SIGKILLed worker's job is back within ~10–13 s (BullMQ's
 * defaults take ~60 s). A busy process still renews its locks every 5 s because no processor blocks
 * the event loop for long (a payload's CPU steps yield after INGEST_TURN_MS, ingest/cpu-turns.ts;
 * mapping yields between slices). maxStalledCount 10: a job is not failed for a few crashes, and one
 * that does fail while its payload is pending is retried by the sweep. Every processor is safe when
 * run twice at once, so a stall re-run costs time, not correctness.
 *
 * Concurrency: ingest jobs are CPU-bound in a single thread, so more of them at once only overlaps
 * their Redis round trips, while every payload in flight stays alive through each young-generation
 * collection (fewer since payloads take CPU turns, ingest/cpu-turns.ts); INGEST_CONCURRENCY sets it
 * apart from the other queues (deliveries wait on the network). Measured before the turns, with 3
 * against 8 (alternating runs on 2 cores): Synthea-shaped payloads (~350 entries)
 * took less worker CPU per entry (median 62 against 73 µs, 9 of 10 pairs) and peaked ~45 MB lower
 * per worker under sustained load, but seed-shaped ones (~30 entries, with courses and flags) took
 * more (median 663 against 586 µs, 5 pairs); sustained throughput moved less than the drift. With the
 * turns, 4 at once and 16 MB semi-spaces (v8-flags.ts) hold a worker's peak under sustained
 * load at 336–367 MB against 436–474 MB for 8 and 64 MB, at some throughput:
 * the default is 4 (one payload computes while the others wait on Redis, which 4 covers on a local
 * Redis).
 */
export function workerOptions(
  cfg: Config,
  connection: Redis,
  prefix: string,
  queue: QueueName,
): WorkerOptions {
  return {
    connection,
    prefix,
    // Which process holds a job (BullMQ records it as the job's processedBy): the dashboard shows it,
    // and an operator finds the process behind a long-running or stalled job.
    name: `${hostname()}:${process.pid}`,
    concurrency: queue === 'ingest' ? cfg.ingestConcurrency : cfg.workerConcurrency,
    lockDuration: cfg.lockDurationMs,
    stalledInterval: cfg.stalledIntervalMs,
    maxStalledCount: 10,
  };
}

export class Queues {
  private readonly queues = new Map<QueueName, Queue>();
  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
    private readonly cfg: Config,
  ) {}

  get(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: this.connection,
        prefix: this.prefix,
        defaultJobOptions: defaultJobOptions(this.cfg),
      });
      // Connection errors are reported once per outage by the connection's watcher (runtime.ts);
      // without a listener BullMQ prints each one to stderr.
      q.on('error', () => undefined);
      // Each synchronous POST awaiting its job's answer (job.waitUntilFinished) listens for the queue's
      // 'closing' until it is answered: one listener per request in flight, not a leak, so Node's
      // warning past 10 (printed to stderr, outside the JSON log) would only mislead ops.
      q.setMaxListeners(0);
      this.queues.set(name, q);
    }
    return q;
  }

  all(): Queue[] {
    return QUEUE_NAMES.map((n) => this.get(n));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
