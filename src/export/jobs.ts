/**
 * Export job records in Redis: one hash per job (spec, status, progress, result, expiry, the token of
 * the run that owns it, the folder its runs write into) and an expiry index the sweeper walks. A
 * deleted record means "cancelled or expired".
 *
 * BullMQ may run one export twice at once (a worker paused past its lock is not dead). Each run
 * claims the record with a fresh token; the newest claim owns it. Progress and publication are
 * compare-and-set on that token and on `status != complete`, so exactly one run publishes, a
 * superseded run learns so at its next checkpoint, and a complete export never goes back to running.
 */
import { rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Redis } from 'ioredis';
import { exportExpiryKey, exportJobKey } from '../store/keys';
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
  /** Absolute directory holding the files (one run's directory inside the export's folder). */
  dir: string;
}

/** What a claim, a progress update or a publication found: go on, or why not. */
export type RunState = 'owner' | 'cancelled' | 'superseded' | 'complete';

export interface ExportRecord {
  spec: ExportSpec;
  status: 'queued' | 'running' | 'complete';
  progress?: string;
  result?: ExportResult;
  expiresAt?: number;
}

/** Never-run records vanish after a week even if nothing sweeps them. */
const RECORD_SAFETY_TTL_S = 7 * 24 * 3600;

/** 0 cancelled (no record), 1 owner, 2 complete already, 3 another run claimed it since. */
const STATES: RunState[] = ['cancelled', 'owner', 'complete', 'superseded'];

const CHECK_OWNER = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'status') == 'complete' then return 2 end
if redis.call('HGET', KEYS[1], 'run') ~= ARGV[1] then return 3 end
`;

const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'status') == 'complete' then return 2 end
redis.call('HSET', KEYS[1], 'status', 'running', 'progress', 'starting', 'run', ARGV[1], 'folder', ARGV[2])
return 1
`;

const PROGRESS = `${CHECK_OWNER}
redis.call('HSET', KEYS[1], 'progress', ARGV[2])
return 1
`;

const PUBLISH = `${CHECK_OWNER}
redis.call('HSET', KEYS[1], 'status', 'complete', 'result', ARGV[2], 'expiresAt', ARGV[3])
redis.call('HDEL', KEYS[1], 'progress')
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
return 1
`;

/**
 * The folder holding every run of export `id`, from a run directory inside it or the folder itself
 * (records published before runs had directories of their own name the folder).
 */
export function exportFolderOf(id: string, dir: string): string {
  return basename(dirname(dir)) === id ? dirname(dir) : dir;
}

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

  /**
   * Makes run `token` the owner of the export (status running) unless the record is gone or complete.
   * `folder` is where the export's runs write, so a cancel can delete what any run left there.
   */
  async claim(id: string, token: string, folder: string): Promise<RunState> {
    return STATES[Number(await this.redis.eval(CLAIM, 1, this.key(id), token, folder))];
  }

  /** Records progress if run `token` still owns the export; otherwise says why it does not. */
  async progress(id: string, token: string, progress: string): Promise<RunState> {
    return STATES[Number(await this.redis.eval(PROGRESS, 1, this.key(id), token, progress))];
  }

  /**
   * Publishes the manifest data if run `token` still owns the export and nobody published it yet;
   * otherwise says why not (the caller then discards its own files, and only those).
   */
  async publish(
    id: string,
    token: string,
    result: ExportResult,
    expiresAt: number,
    ttlSeconds: number,
  ): Promise<RunState> {
    const r = await this.redis.eval(
      PUBLISH,
      2,
      this.key(id),
      exportExpiryKey(this.prefix),
      token,
      JSON.stringify(result),
      String(expiresAt),
      String(ttlSeconds + 3600),
      id,
    );
    return STATES[Number(r)];
  }

  /**
   * Deletes the record and the export's folder with every run's files (cancel, expiry). `dir` is the
   * published run directory or the folder; the folder a run claimed is deleted too.
   */
  async remove(id: string, dir?: string): Promise<void> {
    const [[, claimed]] = (await this.redis
      .multi()
      .hget(this.key(id), 'folder')
      .del(this.key(id))
      .zrem(exportExpiryKey(this.prefix), id)
      .exec()) as [[Error | null, string | null]];
    const folders = new Set([claimed, dir && exportFolderOf(id, dir)].filter((f): f is string => !!f));
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  }

  /** Removes every export whose files expired by `nowMs`; returns how many. */
  async sweep(nowMs: number, dirOf: (id: string) => string): Promise<number> {
    const ids = await this.redis.zrangebyscore(exportExpiryKey(this.prefix), '-inf', String(nowMs));
    for (const id of ids) await this.remove(id, dirOf(id));
    return ids.length;
  }
}
