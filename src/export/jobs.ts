/**
 * Export job records in Redis: one hash per job (spec, status, progress, result, expiry) and an
 * expiry index the sweeper walks. A deleted record means "cancelled or expired": the worker checks
 * for it while it runs and publishes its result only if the record still exists (atomically).
 */
import { rm } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { exportExpiryKey, exportJobKey } from '../store/keys';
import { removePartials } from './run';
import type { ExportLevel, ExportParams } from './request';

export interface ExportSpec extends ExportParams {
  id: string;
  source: string;
  level: ExportLevel;
  /** Namespaced Group id (group level). */
  group?: string;
  /** Inclusive upper bound on last-updated (ms): Redis time at kick-off minus 1 ms. */
  transactionTime: number;
  /** The kick-off URL, echoed in the manifest. */
  request: string;
}

export interface ExportFile {
  type: string;
  file: string;
  count: number;
}

export interface ExportResult {
  output: ExportFile[];
  error: ExportFile[];
  /** Absolute directory holding the files. */
  dir: string;
}

export interface ExportRecord {
  spec: ExportSpec;
  status: 'queued' | 'running' | 'complete';
  progress?: string;
  result?: ExportResult;
  expiresAt?: number;
}

/** Never-run records vanish after a week even if nothing sweeps them. */
const RECORD_SAFETY_TTL_S = 7 * 24 * 3600;

const PUBLISH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', 'complete', 'result', ARGV[1], 'expiresAt', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
return 1
`;

export class ExportJobs {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return exportJobKey(this.prefix, id);
  }

  async create(spec: ExportSpec): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(spec.id), 'spec', JSON.stringify(spec), 'status', 'queued')
      .expire(this.key(spec.id), RECORD_SAFETY_TTL_S)
      .exec();
  }

  async get(id: string): Promise<ExportRecord | undefined> {
    const h = await this.redis.hgetall(this.key(id));
    if (!h.spec) return undefined;
    return {
      spec: JSON.parse(h.spec) as ExportSpec,
      status: h.status as ExportRecord['status'],
      progress: h.progress,
      result: h.result ? (JSON.parse(h.result) as ExportResult) : undefined,
      expiresAt: h.expiresAt ? Number(h.expiresAt) : undefined,
    };
  }

  async exists(id: string): Promise<boolean> {
    return (await this.redis.exists(this.key(id))) === 1;
  }

  /** Sets status/progress only while the record exists (a cancel deletes it). */
  async update(id: string, fields: { status?: 'running'; progress?: string }): Promise<boolean> {
    const args = Object.entries(fields).flat() as string[];
    const r = await this.redis.eval(
      `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end redis.call('HSET', KEYS[1], unpack(ARGV)) return 1`,
      1,
      this.key(id),
      ...args,
    );
    return r === 1;
  }

  /** Publishes the manifest data; false when the job was cancelled meanwhile (caller discards files). */
  async publish(id: string, result: ExportResult, expiresAt: number, ttlSeconds: number): Promise<boolean> {
    const r = await this.redis.eval(
      PUBLISH,
      2,
      this.key(id),
      exportExpiryKey(this.prefix),
      JSON.stringify(result),
      String(expiresAt),
      String(ttlSeconds + 3600),
      id,
    );
    return r === 1;
  }

  /** Deletes the record and its files (cancel, expiry). */
  async remove(id: string, dir?: string): Promise<void> {
    await this.redis.multi().del(this.key(id)).zrem(exportExpiryKey(this.prefix), id).exec();
    if (dir) {
      await rm(dir, { recursive: true, force: true });
      await removePartials(dir);
    }
  }

  /** Removes every export whose files expired by `nowMs`; returns how many. */
  async sweep(nowMs: number, dirOf: (id: string) => string): Promise<number> {
    const ids = await this.redis.zrangebyscore(exportExpiryKey(this.prefix), '-inf', String(nowMs));
    for (const id of ids) await this.remove(id, dirOf(id));
    return ids.length;
  }
}
