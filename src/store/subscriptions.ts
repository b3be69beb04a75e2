/** FHIR Subscriptions (rest-hook) in Redis: one hash, id → the subscriber's source and resource. */
import type { Redis } from 'ioredis';
import type { Subscription } from '@medplum/fhirtypes';

export interface SubscriptionRecord {
  source: string;
  resource: Subscription;
}

export class SubscriptionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(): string {
    return `${this.prefix}:subscriptions`;
  }

  async put(rec: SubscriptionRecord): Promise<void> {
    await this.redis.hset(this.key(), rec.resource.id!, JSON.stringify(rec));
  }

  async get(id: string): Promise<SubscriptionRecord | undefined> {
    const j = await this.redis.hget(this.key(), id);
    return j ? (JSON.parse(j) as SubscriptionRecord) : undefined;
  }

  async all(): Promise<SubscriptionRecord[]> {
    return Object.values(await this.redis.hgetall(this.key())).map(
      (j) => JSON.parse(j) as SubscriptionRecord,
    );
  }

  async remove(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.key(), id)) === 1;
  }

  /** Sets status (and error) unless the subscription was deleted meanwhile. */
  async setStatus(id: string, status: Subscription['status'], error?: string): Promise<void> {
    const rec = await this.get(id);
    if (!rec) return;
    const { error: _old, ...rest } = rec.resource;
    await this.put({ ...rec, resource: { ...rest, status, ...(error ? { error } : {}) } });
  }
}
