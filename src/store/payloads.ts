/**
 * The ingest log: what the API acknowledged, durably, before any processing. The API records a
 * payload (its body as received, the sender's source, the request's conditions) together with its
 * entry in the pending index in one MULTI/EXEC, then enqueues a job that carries only the payload id.
 * The worker deletes both, with the final status, in one MULTI/EXEC when it is done. A payload still
 * pending with no live job (a crash between record and enqueue, a job that exhausted its attempts) is
 * found and re-enqueued by the sweep (queue/sweep.ts). All keys share the `{in}` hash tag.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys';
import type { RawConditions } from '../ingest/conditions';

export interface RecordedPayload {
  id: string;
  source: string;
  /** The request body exactly as received (JSON text): parsed once, by the worker. */
  body: string;
  /** Conditions of a single-resource request (HTTP headers); bundle entries carry their own. */
  conditions?: RawConditions;
  receivedAt: number;
}

export class PayloadLog {
  constructor(
    private readonly r: Redis,
    private readonly keys: Keys,
  ) {}

  /** `body` may be the request's own bytes (UTF-8): they are stored as they are. */
  async record(p: Omit<RecordedPayload, 'body'> & { body: string | Buffer }): Promise<void> {
    const fields: Record<string, string | Buffer> = {
      source: p.source,
      body: p.body,
      receivedAt: String(p.receivedAt),
    };
    if (p.conditions) fields.conditions = JSON.stringify(p.conditions);
    await this.r
      .multi()
      .hset(this.keys.payload(p.id), fields)
      .zadd(this.keys.pending(), p.receivedAt, p.id)
      .exec()
      .then(throwFirst);
  }

  async load(id: string): Promise<RecordedPayload | undefined> {
    const h = await this.r.hgetall(this.keys.payload(id));
    if (!h.source || h.body === undefined) return undefined;
    return {
      id,
      source: h.source,
      body: h.body,
      conditions: h.conditions ? (JSON.parse(h.conditions) as RawConditions) : undefined,
      receivedAt: Number(h.receivedAt),
    };
  }

  /** The byte length of a recorded payload's body (0 when it is not recorded): read before loading it. */
  async size(id: string): Promise<number> {
    return this.r.hstrlen(this.keys.payload(id), 'body');
  }

  async isPending(id: string): Promise<boolean> {
    return (await this.r.zscore(this.keys.pending(), id)) !== null;
  }

  /** The source of a payload still pending (status checks before it is processed). */
  async sourceOf(id: string): Promise<string | undefined> {
    return (await this.r.hget(this.keys.payload(id), 'source')) ?? undefined;
  }

  /**
   * Final status and removal from the log, atomically: a payload is either pending or has a status.
   * The answer of its store script (kept without expiry while the payload is pending, so a re-run
   * however late answers as the first run did) now expires with the status.
   * True when this call finished it: a run of the same job that finishes after another (BullMQ ran it
   * twice at once) gets false, and leaves the first run's status as it is (it is what was answered).
   */
  async finish(id: string, statusKey: string, status: unknown, ttlSeconds: number): Promise<boolean> {
    const res = await this.r
      .multi()
      .set(statusKey, JSON.stringify(status), 'EX', ttlSeconds, 'NX')
      .expire(this.keys.applied(id), ttlSeconds)
      .del(this.keys.payload(id))
      .zrem(this.keys.pending(), id)
      .exec();
    throwFirst(res);
    // First: its status written and the payload taken off the pending index by this call.
    return res?.[0]?.[1] === 'OK' && res?.[3]?.[1] === 1;
  }

  /** Pending payload ids received before `before` (ms), oldest first. */
  async pendingBefore(before: number, count: number): Promise<string[]> {
    return this.r.zrangebyscore(this.keys.pending(), '-inf', String(before), 'LIMIT', 0, count);
  }

  async pendingCount(): Promise<number> {
    return this.r.zcard(this.keys.pending());
  }

  /** When the oldest pending payload was received (ms), or undefined when none is pending. */
  async oldestPendingAt(): Promise<number | undefined> {
    const [, score] = await this.r.zrange(this.keys.pending(), '0', '0', 'WITHSCORES');
    return score === undefined ? undefined : Number(score);
  }
}

function throwFirst(res: Array<[Error | null, unknown]> | null): void {
  if (!res) throw new Error('Redis transaction aborted');
  for (const [err] of res) if (err) throw err;
}
