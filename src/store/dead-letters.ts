/**
 * Dead letters: single resources whose mapping failed, parked so the rest of their payload goes on,
 * visible (metrics, `/readyz`, `/alerts`, the admin ingest page, a warning on the entry's answer) and
 * replayed by the sweep with exponential backoff until they map. Ids only: the resource itself stays
 * in the store.
 *
 * Two keys under the `{in}` hash tag, changed together (MULTI on park, a script on resolve): the hash
 * key → letter is the truth the sweep reads; the zset key → first-parked ms gives the oldest age in
 * one command and pages the admin list oldest first, so nothing ever reads the whole hash at once.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

export interface DeadLetter {
  source: string;
  key: string;
  patient?: string;
  versionId: string;
  attempts: number;
  /** When the next replay is due (ms). */
  dueAt: number;
  /**
   * When this resource was first parked (ms), kept across replays and newer versions that fail too:
   * how long it has been waiting. Absent on letters parked before the field existed (until re-parked).
   */
  parkedAt?: number;
  /** The error's class name (never its message: it could quote resource content). */
  error: string;
}

const BASE_MS = 5_000;
const MAX_MS = 3_600_000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Removes a letter and its index entry, unless it was re-parked for a newer version meanwhile
 * (atomic: a GET then DEL from here could delete a letter a concurrent replay just re-parked).
 * KEYS: letters hash, since index   ARGV: key, versionId   Returns 1 when removed.
 */
const RESOLVE = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
if cjson.decode(cur).versionId ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/**
 * Parks a letter again after its replay failed, only while it is still the letter that was replayed:
 * same version and same attempt count (a newer version parked meanwhile, or another sweeper's replay,
 * is left as it is; a letter resolved meanwhile is not brought back).
 * KEYS: letters hash   ARGV: key, versionId, attempts read, the letter to store   Returns 1 when stored.
 */
const REPARK = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local l = cjson.decode(cur)
if l.versionId ~= ARGV[2] or tostring(l.attempts) ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
return 1
`;

/** Letters per HSCAN round trip of the sweep's full pass (a hint to Redis, not a cap). */
const SCAN_COUNT = 500;

type ScriptedRedis = Redis & {
  bbResolveLetter(letters: string, since: string, key: string, versionId: string): Promise<number>;
  bbReparkLetter(
    letters: string,
    key: string,
    versionId: string,
    attempts: string,
    json: string,
  ): Promise<number>;
};

export class DeadLetters {
  private readonly r: ScriptedRedis;
  constructor(
    redis: Redis,
    private readonly keys: Keys,
  ) {
    // Sent by its hash (EVALSHA), also inside a pipeline of many resolves.
    if (!('bbResolveLetter' in redis)) {
      redis.defineCommand('bbResolveLetter', { numberOfKeys: 2, lua: RESOLVE });
      redis.defineCommand('bbReparkLetter', { numberOfKeys: 1, lua: REPARK });
    }
    this.r = redis as ScriptedRedis;
  }

  async add(
    item: { source: string; key: string; patient?: string; versionId: string },
    error: string,
    now = Date.now(),
  ): Promise<DeadLetter> {
    const prev = await this.get(item.key);
    const attempts = (prev?.versionId === item.versionId ? prev.attempts : 0) + 1;
    const parkedAt = prev?.parkedAt ?? now;
    const letter: DeadLetter = {
      source: item.source,
      key: item.key,
      patient: item.patient,
      versionId: item.versionId,
      attempts,
      dueAt: now + backoffMs(attempts),
      parkedAt,
      error,
    };
    const res = await this.r
      .multi()
      .hset(this.keys.deadLetters(), item.key, JSON.stringify(letter))
      .zadd(this.keys.deadLettersSince(), parkedAt, item.key)
      .exec();
    if (!res) throw new Error('Redis transaction aborted');
    for (const [err] of res) if (err) throw err;
    return letter;
  }

  /**
   * A replayed letter whose replay failed: its next replay moves back by the next backoff, unless the
   * letter changed meanwhile (REPARK). Answers whether it was parked again.
   */
  async repark(letter: DeadLetter, error: string, now = Date.now()): Promise<boolean> {
    const attempts = letter.attempts + 1;
    const next: DeadLetter = { ...letter, attempts, dueAt: now + backoffMs(attempts), error };
    const stored = await this.r.bbReparkLetter(
      this.keys.deadLetters(),
      letter.key,
      letter.versionId,
      String(letter.attempts),
      JSON.stringify(next),
    );
    return stored === 1;
  }

  async get(key: string): Promise<DeadLetter | undefined> {
    const j = await this.r.hget(this.keys.deadLetters(), key);
    return j ? (JSON.parse(j) as DeadLetter) : undefined;
  }

  /**
   * One page of letters, oldest parked first (two round trips whatever the total). Offsets move by
   * the letters resolved between two pages; the admin page and its JSON say so.
   */
  async list(offset = 0, count = 100): Promise<DeadLetter[]> {
    if (count <= 0) return [];
    const keys = await this.r.zrange(
      this.keys.deadLettersSince(),
      String(offset),
      String(offset + count - 1),
    );
    if (!keys.length) return [];
    const values = await this.r.hmget(this.keys.deadLetters(), ...keys);
    return values.flatMap((j) => (j ? [JSON.parse(j) as DeadLetter] : []));
  }

  /**
   * Every letter, one HSCAN page at a time: the sweep's full pass. Reads the hash (the truth), so a
   * letter missing from the index (parked before it existed) is still replayed, and indexed when it
   * is parked again. HSCAN may return a letter twice; callers skip keys they have seen.
   */
  async *scan(count = SCAN_COUNT): AsyncGenerator<DeadLetter[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.r.hscan(this.keys.deadLetters(), cursor, 'COUNT', count);
      cursor = next;
      const page: DeadLetter[] = [];
      for (let i = 1; i < flat.length; i += 2) page.push(JSON.parse(flat[i]) as DeadLetter);
      if (page.length) yield page;
    } while (cursor !== '0');
  }

  async count(): Promise<number> {
    return this.r.hlen(this.keys.deadLetters());
  }

  /** When the longest-waiting letter was first parked (ms), or undefined when there is none. */
  async oldestParkedAt(): Promise<number | undefined> {
    const [, score] = await this.r.zrange(this.keys.deadLettersSince(), '0', '0', 'WITHSCORES');
    return score === undefined ? undefined : Number(score);
  }

  /** Removes letters (one round trip), each unless it was re-parked for a newer version meanwhile. */
  async resolveMany(letters: DeadLetter[]): Promise<void> {
    if (!letters.length) return;
    const pipe = this.r.pipeline() as ReturnType<Redis['pipeline']> & {
      bbResolveLetter: (...args: string[]) => unknown;
    };
    for (const l of letters)
      pipe.bbResolveLetter(this.keys.deadLetters(), this.keys.deadLettersSince(), l.key, l.versionId);
    const res = await pipe.exec();
    if (!res) throw new Error('Redis pipeline aborted');
    for (const [err] of res) if (err) throw err;
  }

  /** Removes a letter, unless it was re-parked for a newer version meanwhile. */
  async resolve(letter: DeadLetter): Promise<void> {
    await this.r.bbResolveLetter(
      this.keys.deadLetters(),
      this.keys.deadLettersSince(),
      letter.key,
      letter.versionId,
    );
  }
}
