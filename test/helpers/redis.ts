/**
 * Test Redis: the shared one (REDIS_URL or 127.0.0.1:6379), each suite under its own key prefix so
 * concurrent runs and suites never collide; `cleanup` removes exactly that prefix's keys.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Store } from '../../src/store/store';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(suite: string): string {
  return `t-${suite}-${randomBytes(4).toString('hex')}`;
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  for (const pattern of [`${prefix}:*`, `{${prefix}:q}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}

/**
 * A Store on the test Redis under its own prefix for the whole suite (call at the top level of a test
 * file): connected before the first test, its keys removed and the connection closed after the last.
 */
export function storeForSuite(suite: string): { readonly redis: Redis; readonly store: Store } {
  const ctx = {} as { redis: Redis; store: Store; prefix: string };
  beforeAll(() => {
    ctx.redis = new Redis(TEST_REDIS_URL);
    ctx.prefix = uniquePrefix(suite);
    ctx.store = new Store(ctx.redis, ctx.prefix);
  });
  afterAll(async () => {
    await deletePrefix(ctx.redis, ctx.prefix);
    await ctx.redis.quit();
  });
  return ctx;
}
