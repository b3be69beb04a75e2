/**
 * Ingest stops before Redis is full. With `maxmemory` and `noeviction` (as docker-compose.yml runs
 * it), a full Redis refuses every write: the workers could no longer store what they process, so the
 * backlog that filled it would never drain. The API therefore refuses new payloads (503 +
 * Retry-After, nothing accepted) once used memory reaches INGEST_MEMORY_HIGH_WATER of `maxmemory`,
 * leaving the rest to the workers, and /alerts says so. Without `maxmemory` (or where INFO is not
 * allowed) there is no limit to keep below, and nothing is refused.
 *
 * The level is read from `INFO memory` (one O(1) command) at most once per `maxAgeMs`, never per
 * request: a burst can overshoot the mark by about that long of ingest, which the headroom absorbs.
 */
import type { Redis } from 'ioredis';

export interface StorageLevel {
  usedBytes: number;
  /** Redis `maxmemory`; 0 when none is set. */
  maxBytes: number;
  /** The fraction of `maxBytes` at which ingest stops. */
  highWater: number;
}

/** Used memory at or above the high-water mark of a set `maxmemory`. */
export const aboveHighWater = (l: StorageLevel): boolean =>
  l.maxBytes > 0 && l.usedBytes >= l.highWater * l.maxBytes;

/** `INFO memory` field as a number; 0 when absent. Parsed line by line, no pattern over the reply. */
function infoField(info: string, name: string): number {
  for (const line of info.split('\n')) {
    if (line.startsWith(`${name}:`)) return Number(line.slice(name.length + 1).trim()) || 0;
  }
  return 0;
}

export class StorageGuard {
  private last?: { at: number; level: StorageLevel };
  private reading?: Promise<StorageLevel>;

  constructor(
    private readonly redis: Redis,
    readonly highWater: number,
    private readonly maxAgeMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The last level read, or a fresh one when it is older than `maxAgeMs` (one read at a time). */
  async level(): Promise<StorageLevel> {
    if (this.last && this.now() - this.last.at < this.maxAgeMs) return this.last.level;
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<StorageLevel> {
    let info = '';
    try {
      info = await this.redis.info('memory');
    } catch (err) {
      // A Redis that refuses INFO (an ACL without it, a managed service) has no level to keep below:
      // nothing is refused for it. A connection failure is not that, and fails the request (503).
      if ((err as Error).name !== 'ReplyError') throw err;
    }
    const level = {
      usedBytes: infoField(info, 'used_memory'),
      maxBytes: infoField(info, 'maxmemory'),
      highWater: this.highWater,
    };
    this.last = { at: this.now(), level };
    return level;
  }
}
