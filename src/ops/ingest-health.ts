/**
 * Ingest health, for `/readyz`, `/alerts` and the admin ingest page: what was acknowledged and is not
 * done yet (pending payloads, dead letters, failed jobs), as counts and ages only: no ids, no PHI.
 * One pipelined round trip whatever the backlog: every command is O(1) or O(log n) (ZCARD, ZCOUNT,
 * HLEN, ZRANGE 0 0), so probes and monitoring can poll it often.
 *
 * Alerts (none of them makes the API unready: a load balancer taking a healthy API out of rotation
 * would not map a dead letter, it would only refuse new payloads):
 * - `dead-letters`: resources whose mapping failed are parked (the sweep replays them with backoff);
 * - `pending-stale`: acknowledged payloads older than PENDING_ALERT_SECONDS are not processed yet;
 * - `failed-jobs`: a queue other than `ingest` holds failed jobs (see ALERTING_QUEUES);
 * - `storage-high-water`: Redis used memory reached INGEST_MEMORY_HIGH_WATER of its maxmemory, so new
 *   payloads are refused with 503 until processing or an operator frees memory (storage-guard.ts).
 */
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type QueueName } from '../queue/names';
import type { Queues } from '../queue/queues';
import type { Keys } from '../store/keys';
import { aboveHighWater, type StorageGuard, type StorageLevel } from './storage-guard';

export const DEFAULT_PENDING_ALERT_SECONDS = 300;

/**
 * Queues whose failed jobs raise an alert. Not `ingest`: a payload rejected by validation or a
 * precondition ends as a failed `accept` job by design (the sender got its 4xx; the reject log holds
 * it), and an ingest job that failed on infrastructure leaves its payload pending, which
 * `pending-stale` reports. Its failed count is still shown.
 */
export const ALERTING_QUEUES: readonly QueueName[] = ['assemble', 'export', 'deliver'];

export interface IngestFigures {
  /** Acknowledged payloads not fully processed (queued, running, waiting for a retry). */
  pendingPayloads: number;
  oldestPendingSeconds: number | null;
  /** Pending payloads older than the alert threshold. */
  stalePendingPayloads: number;
  /** Dead-lettered resources. */
  deadLetters: number;
  /** Since the longest-waiting letter was first parked (null: none, or not indexed yet). */
  oldestDeadLetterSeconds: number | null;
  /** Jobs in each queue's failed set (kept JOB_KEEP_FAILED_SECONDS unless replayed or cleaned). */
  failedJobs: Record<QueueName, number>;
  /** Redis memory against its maxmemory (absent where no guard is configured). */
  storage?: StorageLevel;
}

export type AlertName = 'dead-letters' | 'pending-stale' | 'failed-jobs' | 'storage-high-water';

export interface IngestAlert {
  alert: AlertName;
  /** One line for a pager, counts and ages only. */
  summary: string;
  count: number;
  oldestSeconds?: number;
  thresholdSeconds?: number;
  queue?: QueueName;
}

const ageSeconds = (now: number, ms: number) => Math.max(0, Math.floor((now - ms) / 1000));

/** The first score of a `ZRANGE … 0 0 WITHSCORES` reply, as an age; null for an empty zset. */
function oldestAge(reply: unknown, now: number): number | null {
  const score = Array.isArray(reply) ? reply[1] : undefined;
  return score === undefined ? null : ageSeconds(now, Number(score));
}

/** The active alerts for a set of figures (pure: also used by the admin page). */
export function alertsOf(f: IngestFigures, pendingAlertSeconds: number): IngestAlert[] {
  const alerts: IngestAlert[] = [];
  if (f.deadLetters > 0) {
    const oldest = f.oldestDeadLetterSeconds;
    alerts.push({
      alert: 'dead-letters',
      summary:
        `${f.deadLetters} resource(s) dead-lettered (mapping failed)` +
        (oldest === null ? '' : `, oldest parked ${oldest} s ago`) +
        '; replayed by the sweep with backoff',
      count: f.deadLetters,
      ...(oldest === null ? {} : { oldestSeconds: oldest }),
    });
  }
  if (f.stalePendingPayloads > 0) {
    alerts.push({
      alert: 'pending-stale',
      summary: `${f.stalePendingPayloads} acknowledged payload(s) pending for more than ${pendingAlertSeconds} s, oldest ${f.oldestPendingSeconds ?? 0} s`,
      count: f.stalePendingPayloads,
      oldestSeconds: f.oldestPendingSeconds ?? 0,
      thresholdSeconds: pendingAlertSeconds,
    });
  }
  if (f.storage && aboveHighWater(f.storage)) {
    const mb = (b: number) => Math.round(b / 1024 / 1024);
    alerts.push({
      alert: 'storage-high-water',
      summary:
        `Redis uses ${mb(f.storage.usedBytes)} of ${mb(f.storage.maxBytes)} MB (ingest stops at ` +
        `${Math.round(f.storage.highWater * 100)}%): new payloads are refused with 503`,
      count: 1,
    });
  }
  for (const queue of ALERTING_QUEUES) {
    const n = f.failedJobs[queue];
    if (n > 0) {
      alerts.push({
        alert: 'failed-jobs',
        summary: `${n} failed job(s) in queue ${queue}`,
        count: n,
        queue,
      });
    }
  }
  return alerts;
}

export class IngestHealth {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly queues: Queues,
    readonly pendingAlertSeconds = DEFAULT_PENDING_ALERT_SECONDS,
    private readonly storage?: StorageGuard,
  ) {}

  async figures(now = Date.now()): Promise<IngestFigures> {
    const staleBefore = now - this.pendingAlertSeconds * 1000;
    const pipe = this.redis
      .pipeline()
      .zcard(this.keys.pending())
      .zrange(this.keys.pending(), '0', '0', 'WITHSCORES')
      .zcount(this.keys.pending(), '-inf', `(${staleBefore}`)
      .hlen(this.keys.deadLetters())
      .zrange(this.keys.deadLettersSince(), '0', '0', 'WITHSCORES');
    for (const name of QUEUE_NAMES) pipe.zcard(this.queues.get(name).toKey('failed'));
    const [replies, storage] = await Promise.all([pipe.exec().then((r) => r ?? []), this.storage?.level()]);
    const values = replies.map(([err, v]) => {
      if (err) throw err;
      return v;
    });
    if (values.length !== 5 + QUEUE_NAMES.length) throw new Error('Redis pipeline answered short');
    const failedJobs = Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, Number(values[5 + i])])) as Record<
      QueueName,
      number
    >;
    return {
      pendingPayloads: Number(values[0]),
      oldestPendingSeconds: oldestAge(values[1], now),
      stalePendingPayloads: Number(values[2]),
      deadLetters: Number(values[3]),
      oldestDeadLetterSeconds: oldestAge(values[4], now),
      failedJobs,
      ...(storage ? { storage } : {}),
    };
  }

  alerts(f: IngestFigures): IngestAlert[] {
    return alertsOf(f, this.pendingAlertSeconds);
  }
}
