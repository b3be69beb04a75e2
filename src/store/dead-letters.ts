/**
 * Dead letters: single resources whose mapping failed, parked so the rest of their payload goes on,
 * visible (metric, `/fhir/_async` status counts, CLI-readable hash) and replayed by the sweep with
 * exponential backoff until they map. Ids only: the resource itself stays in the store.
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
  /** The error's class name (never its message: it could quote resource content). */
  error: string;
}

const BASE_MS = 5_000;
const MAX_MS = 3_600_000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
}

export class DeadLetters {
  constructor(
    private readonly r: Redis,
    private readonly keys: Keys,
  ) {}

  async add(
    item: { source: string; key: string; patient?: string; versionId: string },
    error: string,
    now = Date.now(),
  ): Promise<DeadLetter> {
    const prev = await this.get(item.key);
    const attempts = (prev?.versionId === item.versionId ? prev.attempts : 0) + 1;
    const letter: DeadLetter = {
      source: item.source,
      key: item.key,
      patient: item.patient,
      versionId: item.versionId,
      attempts,
      dueAt: now + backoffMs(attempts),
      error,
    };
    await this.r.hset(this.keys.deadLetters(), item.key, JSON.stringify(letter));
    return letter;
  }

  async get(key: string): Promise<DeadLetter | undefined> {
    const j = await this.r.hget(this.keys.deadLetters(), key);
    return j ? (JSON.parse(j) as DeadLetter) : undefined;
  }

  async list(): Promise<DeadLetter[]> {
    const all = await this.r.hvals(this.keys.deadLetters());
    return all.map((j) => JSON.parse(j) as DeadLetter);
  }

  async count(): Promise<number> {
    return this.r.hlen(this.keys.deadLetters());
  }

  /** Removes a letter, unless it was re-parked for a newer version meanwhile. */
  async resolve(letter: DeadLetter): Promise<void> {
    const cur = await this.get(letter.key);
    if (cur && cur.versionId === letter.versionId) await this.r.hdel(this.keys.deadLetters(), letter.key);
  }
}
