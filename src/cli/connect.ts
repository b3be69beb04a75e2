/**
 * The CLI's connection: the configured Redis (REDIS_URL) or an error. Never a private embedded
 * Redis: an operator tool pointed at the wrong place must say so, not report an empty store.
 */
import { Redis } from 'ioredis';
import { loadConfig } from '../config';
import { redisAnswers } from '../ops/embedded-redis';
import { Queues } from '../queue/queues';
import { redactUrl } from '../redis';
import { Store } from '../store/store';
import type { CliRuntime } from './command';

export class RedisUnavailable extends Error {
  override name = 'RedisUnavailable';
}

export interface CliConnection extends CliRuntime {
  close(): Promise<void>;
}

export async function connectCli(): Promise<CliConnection> {
  const cfg = loadConfig();
  if (!(await redisAnswers(cfg.redisUrl)))
    throw new RedisUnavailable(
      `Redis does not answer at ${redactUrl(cfg.redisUrl)} (REDIS_URL); the CLI needs the server's Redis and never starts one`,
    );
  const conn = new Redis(cfg.redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 5000 });
  conn.on('error', () => undefined); // surfaced by the failing command instead
  const store = new Store(conn, cfg.keyPrefix);
  const queues = new Queues(conn, store.keys.queuePrefix(), cfg);
  return {
    cfg,
    store,
    queues,
    async close() {
      await queues.close().catch(() => undefined);
      await conn.quit().catch(() => conn.disconnect());
    },
  };
}
