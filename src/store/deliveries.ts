/**
 * Delivery state in Redis: API-created destinations, and per patient and destination the output
 * versions the registry acknowledged (so a delivery job sends only what it has not got) plus a
 * short lock that keeps one patient's pushes to one destination in order across workers.
 * Per-patient keys carry the patient's hash tag, like the rest of the store.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export class DeliveryStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private destinationsKey(): string {
    return `${this.prefix}:deliver:destinations`;
  }
  private ackedKey(patient: string, destination: string): string {
    return `${this.prefix}:{p:${patient}}:dlv:acked:${destination}`;
  }
  private lockKey(patient: string, destination: string): string {
    return `${this.prefix}:{p:${patient}}:dlv:lock:${destination}`;
  }

  async listStoredDestinations(): Promise<string[]> {
    return Object.values(await this.redis.hgetall(this.destinationsKey()));
  }
  async putDestination(id: string, json: string): Promise<void> {
    await this.redis.hset(this.destinationsKey(), id, json);
  }
  async deleteDestination(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.destinationsKey(), id)) === 1;
  }

  /** Output key → the version the registry acknowledged. */
  async acked(patient: string, destination: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.ackedKey(patient, destination))));
  }
  async ack(patient: string, destination: string, versions: Array<[string, string]>): Promise<void> {
    if (versions.length) await this.redis.hset(this.ackedKey(patient, destination), ...versions.flat());
  }

  /**
   * Takes the patient+destination lock, waiting for it up to `waitMs`; returns a release function,
   * or undefined when it stayed busy. The lock expires by itself if its holder dies.
   */
  async lock(
    patient: string,
    destination: string,
    ttlMs: number,
    waitMs: number,
  ): Promise<(() => Promise<void>) | undefined> {
    const key = this.lockKey(patient, destination);
    const token = randomBytes(12).toString('hex');
    const end = Date.now() + waitMs;
    for (;;) {
      if ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') {
        return async () => {
          await this.redis.eval(
            `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
            1,
            key,
            token,
          );
        };
      }
      if (Date.now() >= end) return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
