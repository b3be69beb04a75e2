/**
 * Ingest stops before Redis is full. With `maxmemory` and `noeviction` (as docker-compose.yml runs
 * it), a full Redis refuses every write: the workers could no longer store what they process, so the
 * backlog that filled it would never drain. The API therefore refuses new payloads (503 +
 * Retry-After, nothing accepted) once used memory reaches INGEST_MEMORY_HIGH_WATER of `maxmemory`,
 * leaving the rest to the workers, and /alerts says so.
 *
 * Nothing is refused where there is no such limit to keep below: no `maxmemory`, an eviction policy
 * other than `noeviction` (memory then sits near the limit by design; bitebridge warns at start that
 * it needs `noeviction`), or a Redis that does not allow INFO (an ACL without it, some managed
 * services; logged once, and the gauge reads -1).
 *
 * The level is read from `INFO memory` (one O(1) command) at most once per `maxAgeMs`, never per
 * request: a burst can overshoot the mark by about that long of ingest, which the headroom absorbs.
 */
import type { Redis } from 'ioredis';

export interface StorageLevel {
  usedBytes: number;
  /** Redis `maxmemory`; 0 when none is set (or INFO is refused). */
  maxBytes: number;
  /** Redis `maxmemory-policy`. */
  policy: string;
  /** The fraction of `maxBytes` at which ingest stops. */
  highWater: number;
  /** Redis refused INFO: the level is unknown. */
  infoRefused?: true;
}

/** Used memory at or above the high-water mark of a `maxmemory` that Redis enforces by refusing writes. */
export const aboveHighWater = (l: StorageLevel): boolean =>
  l.maxBytes > 0 && l.policy === 'noeviction' && l.usedBytes >= l.highWater * l.maxBytes;

/** `INFO memory` field; undefined when absent. Parsed line by line, no pattern over the reply. */
function infoField(info: string, name: string): string | undefined {
  for (const line of info.split('\n'))
    if (line.startsWith(`${name}:`)) return line.slice(name.length + 1).trim();
  return undefined;
}

/** INFO not allowed for this user or on this service: a permission or an unknown-command reply. */
const infoRefusal = (err: Error) =>
  err.name === 'ReplyError' &&
  (err.message.startsWith('NOPERM') || err.message.startsWith('ERR unknown command'));

export class StorageGuard {
  private last?: { at: number; level: StorageLevel };
  private reading?: Promise<StorageLevel>;
  private refusalReported = false;

  constructor(
    private readonly redis: Redis,
    readonly highWater: number,
    /** Called once, the first time Redis refuses INFO. */
    private readonly onInfoRefused: (err: Error) => void = () => undefined,
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
    let level: StorageLevel;
    try {
      const info = await this.redis.info('memory');
      level = {
        usedBytes: Number(infoField(info, 'used_memory') ?? 0) || 0,
        maxBytes: Number(infoField(info, 'maxmemory') ?? 0) || 0,
        // Redis's default policy, where an old server does not report it.
        policy: infoField(info, 'maxmemory_policy') ?? 'noeviction',
        highWater: this.highWater,
      };
    } catch (err) {
      // Anything else (connection lost, LOADING, BUSY) fails the request as any Redis call would.
      if (!infoRefusal(err as Error)) throw err;
      if (!this.refusalReported) this.onInfoRefused(err as Error);
      this.refusalReported = true;
      level = { usedBytes: 0, maxBytes: 0, policy: 'unknown', highWater: this.highWater, infoRefused: true };
    }
    this.last = { at: this.now(), level };
    return level;
  }
}
