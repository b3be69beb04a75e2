/**
 * Redis connections for the process. If the configured Redis does not answer at start-up and a
 * `redis-server` binary is on the PATH, a private one is started (embedded default for laptops);
 * otherwise start-up stops with a one-line explanation.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config';
import type { Logger } from './logger';
import { EmbeddedRedis, redisAnswers, redisServerAvailable } from './ops/embedded-redis';

export class StartupError extends Error {}

export interface RedisHandle {
  url: string;
  embedded?: EmbeddedRedis;
  /**
   * A new connection. Worker connections need `maxRetriesPerRequest: null` (BullMQ); the API's and the
   * store's use a small number so that while Redis is down a request fails fast with 503 instead of
   * hanging.
   */
  connect(opts?: RedisOptions): Redis;
}

export async function openRedis(cfg: Config, log: Logger): Promise<RedisHandle> {
  let url = cfg.redisUrl;
  let embedded: EmbeddedRedis | undefined;
  if (!(await redisAnswers(url))) {
    if (cfg.redisEmbedded === 'never' || !redisServerAvailable()) {
      throw new StartupError(
        `Redis does not answer at ${redactUrl(url)}: start one (e.g. 'redis-server' or 'docker compose up redis') or set REDIS_URL.`,
      );
    }
    embedded = await EmbeddedRedis.start();
    url = embedded.url;
    log.warn(
      { port: embedded.port },
      'no Redis answered at REDIS_URL: started a private redis-server (data is temporary)',
    );
  }
  const handle: RedisHandle = {
    url,
    embedded,
    connect: (opts = {}) => new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...opts }),
  };
  await checkEvictionPolicy(handle, log);
  return handle;
}

/** BullMQ needs `noeviction`; an evicting Redis silently loses jobs. Warn loudly. */
async function checkEvictionPolicy(h: RedisHandle, log: Logger): Promise<void> {
  const r = h.connect({ maxRetriesPerRequest: 1 });
  try {
    const res = (await r.config('GET', 'maxmemory-policy')) as string[];
    if (res[1] && res[1] !== 'noeviction') {
      log.warn({ policy: res[1] }, 'Redis maxmemory-policy is not noeviction: queued jobs may be evicted');
    }
  } catch {
    // CONFIG may be disabled on managed Redis; nothing to check then.
  } finally {
    r.disconnect();
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * Redis refused a write because it reached maxmemory (noeviction): `OOM …`, or a MULTI discarded for
 * it (`EXECABORT`, with the OOM among its previous errors). Nothing of that command or MULTI was written.
 */
export function isRedisFull(err: Error): boolean {
  const oom = (e: unknown) =>
    typeof (e as Error)?.message === 'string' && (e as Error).message.startsWith('OOM ');
  return oom(err) || ((err as { previousErrors?: unknown[] }).previousErrors ?? []).some(oom);
}

/**
 * A socket that could not be opened or written: the command never reached Redis (`EPIPE`, a refused or
 * timed-out connect) or its answer was lost with the connection (`ECONNRESET`, as before).
 */
const NETWORK_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTCONN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * ioredis gave up on a command or lost its connection, or Redis cannot serve it yet (`LOADING` its data
 * after a restart, `BUSY` running a slow script): Redis is down or unreachable for now, not a bug.
 */
export function isRedisUnavailable(err: Error): boolean {
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    NETWORK_FAILURES.has((err as NodeJS.ErrnoException).code ?? '') ||
    (err.name === 'ReplyError' && (err.message.startsWith('LOADING ') || err.message.startsWith('BUSY '))) ||
    /Connection is closed|ECONNREFUSED|ECONNRESET|Stream isn't writeable|Reached the max retries per request/.test(
      err.message,
    )
  );
}
