/**
 * One process's wiring: config, logger, Redis, store, queues, metrics, tokens and the clinical core,
 * plus start/stop of the API and of any set of workers. `main.ts` decides which run.
 */
import { Worker, type Job, type Processor } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApi } from './api/app';
import { loadTokens, type LoadedTokens } from './auth/tokens';
import { loadClinical, type Clinical } from './clinical';
import { loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { Metrics } from './ops/metrics';
import { isRedisUnavailable, openRedis, type RedisHandle } from './redis';
import { Queues, workerOptions, type QueueName } from './queue/queues';
import { Store } from './store/store';

export const VERSION = '0.1.0';

export interface Runtime {
  cfg: Config;
  log: Logger;
  redis: RedisHandle;
  conn: Redis;
  store: Store;
  queues: Queues;
  metrics: Metrics;
  clinical: Clinical;
  closing: boolean;
  workers: Worker[];
  /** Worker connections: BullMQ does not close connections it was given. */
  connections: Redis[];
  api?: FastifyInstance;
}

export async function createRuntime(overrides: Partial<Config> = {}, log?: Logger): Promise<Runtime> {
  const cfg = { ...loadConfig(), ...overrides };
  const logger = log ?? createLogger(cfg.logLevel);
  const redis = await openRedis(cfg, logger);
  // No offline queue: while Redis is down, API and store calls fail at once (503) instead of waiting.
  const conn = redis.connect({ maxRetriesPerRequest: 2, enableOfflineQueue: false });
  watchConnection(conn, logger, 'main');
  if (conn.status !== 'ready') await new Promise((resolve) => conn.once('ready', resolve));
  const store = new Store(conn, cfg.keyPrefix);
  const queues = new Queues(conn, store.keys.queuePrefix(), cfg);
  const clinical = loadClinical();
  return {
    cfg,
    log: logger,
    redis,
    conn,
    store,
    queues,
    metrics: new Metrics(queues),
    clinical,
    closing: false,
    workers: [],
    connections: [],
  };
}

export async function startApi(rt: Runtime, tokens: LoadedTokens): Promise<FastifyInstance> {
  const app = await buildApi({
    log: rt.log,
    tokens: tokens.registry,
    store: rt.store,
    queues: rt.queues,
    metrics: rt.metrics,
    validate: rt.clinical.validate,
    bodyLimit: rt.cfg.bodyLimit,
    depthLimit: rt.cfg.jsonDepthLimit,
    version: VERSION,
    publicBaseUrl: rt.cfg.publicBaseUrl,
    uiSessionSecret: rt.cfg.uiSessionSecret,
    isClosing: () => rt.closing,
  });
  await app.listen({ port: rt.cfg.port, host: rt.cfg.host });
  rt.api = app;
  return app;
}

/** One warning when a connection is lost and one line when it is back, not one per reconnect attempt. */
function watchConnection(conn: Redis, log: Logger, name: string): void {
  let down = false;
  conn.on('error', (err: Error) => {
    if (!down) log.warn({ connection: name, err: err.message }, 'Redis connection lost; retrying');
    down = true;
  });
  conn.on('ready', () => {
    if (down) log.info({ connection: name }, 'Redis connection restored');
    down = false;
  });
}

/** Starts a BullMQ worker with the shared options and job metrics. */
export function startWorker<D, R>(
  rt: Runtime,
  name: QueueName,
  processor: (job: Job<D>) => Promise<R>,
): Worker<D, R> {
  const timed: Processor<D, R> = async (job) => {
    const end = rt.metrics.jobDuration.startTimer({ queue: name, name: job.name });
    try {
      const r = await processor(job);
      end({ outcome: 'completed' });
      return r;
    } catch (err) {
      end({ outcome: 'failed' });
      rt.log.warn(
        { queue: name, jobId: job.id, attempt: job.attemptsMade + 1, err: (err as Error).message },
        'job failed',
      );
      throw err;
    }
  };
  const conn = rt.redis.connect();
  watchConnection(conn, rt.log, `worker:${name}`);
  rt.connections.push(conn);
  const w = new Worker<D, R>(name, timed, workerOptions(rt.cfg, conn, rt.queues.prefix));
  w.on('error', (err) => {
    // Connection errors are reported once by watchConnection; BullMQ repeats them per retry.
    if (!isRedisUnavailable(err)) {
      rt.log.error({ queue: name, err: err.message }, 'worker error');
    }
  });
  rt.workers.push(w as unknown as Worker);
  return w;
}

/**
 * Graceful stop: stop accepting requests, let in-flight requests and active jobs finish; jobs still
 * running after the grace period are abandoned to stall detection (another worker re-runs them).
 * Then Redis is closed. Never exits the process (process.ts owns that).
 */
export async function stopRuntime(rt: Runtime, graceMs = 20_000): Promise<void> {
  rt.closing = true;
  const within = (p: Promise<unknown>, ms: number) =>
    new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      p.then(
        () => (clearTimeout(t), resolve(true)),
        () => (clearTimeout(t), resolve(true)),
      );
    });
  await within(rt.api?.close() ?? Promise.resolve(), graceMs);
  if (!(await within(Promise.all(rt.workers.map((w) => w.close())), graceMs))) {
    rt.log.warn({ graceMs }, 'jobs still running after the grace period; leaving them to stall recovery');
    await within(Promise.all(rt.workers.map((w) => w.close(true))), 2000);
  }
  await within(rt.queues.close(), 5000);
  for (const c of [rt.conn, ...rt.connections]) {
    if (!(await within(c.quit(), 2000))) c.disconnect();
  }
  await rt.redis.embedded?.stop();
}

export { loadTokens };
