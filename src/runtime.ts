/**
 * One process's wiring: config, logger, Redis, store, queues, metrics, tokens and the clinical core,
 * plus start/stop of the API and of any set of workers. `main.ts` decides which run.
 */
import { DelayedError, QueueEvents, Worker, type Job, type Processor } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApi } from './api/app';
import { loadTokens, type LoadedTokens } from './auth/tokens';
import { loadSmartClients } from './auth/smart-clients';
import { SmartTokens } from './auth/smart-token';
import { deliveryOf } from './deliver/runtime';
import { loadClinical, type Clinical } from './clinical';
import { readWarmUpBundles, warmUpClinical } from './clinical-warm-up';
import { SAMPLES_DIR } from './samples';
import { loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { Metrics } from './ops/metrics';
import { startMetricsServer } from './api/routes/ops';
import { isRedisUnavailable, openRedis, type RedisHandle } from './redis';
import { Queues, workerOptions, type QueueName } from './queue/queues';
import { RejectLog } from './store/reject-log';
import { Store } from './store/store';
import { PayloadLog } from './store/payloads';
import { DeadLetters } from './store/dead-letters';
import { PayloadBudget } from './queue/payload-budget';
import { CpuTurns } from './ingest/cpu-turns';
import { registerIngestGauges } from './queue/ingest-gauges';
import { StorageGuard } from './ops/storage-guard';

export const VERSION = '0.1.0';

export interface Runtime {
  cfg: Config;
  log: Logger;
  redis: RedisHandle;
  conn: Redis;
  store: Store;
  /** The ingest log (accepted payloads, pending index) and the dead letters. */
  payloads: PayloadLog;
  deadLetters: DeadLetters;
  /** Redis memory against its maxmemory: ingest stops at the high-water mark. */
  storage: StorageGuard;
  queues: Queues;
  metrics: Metrics;
  /** This process's budget on payload bytes in process (one per process: queue/payload-budget.ts). */
  payloadBudget: PayloadBudget;
  /** Turns on this process's CPU for the payloads it processes (none: INGEST_TURN_MS=0). */
  cpuTurns?: CpuTurns;
  rejects: RejectLog;
  clinical: Clinical;
  closing: boolean;
  workers: Worker[];
  /** Worker connections: BullMQ does not close connections it was given. */
  connections: Redis[];
  /** Other things to close before the connections (queue event listeners). */
  closers: Array<() => Promise<void>>;
  api?: FastifyInstance;
  /** The /metrics listener when METRICS_PORT is set. */
  metricsServer?: FastifyInstance;
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
  const payloads = new PayloadLog(conn, store.keys);
  const deadLetters = new DeadLetters(conn, store.keys);
  const storage = new StorageGuard(conn, cfg.ingestMemoryHighWater, (err) =>
    logger.warn(
      { err: err.message.split('\n')[0] },
      'Redis refuses INFO: ingest cannot stop short of maxmemory (INGEST_MEMORY_HIGH_WATER is off)',
    ),
  );
  const metrics = new Metrics(queues);
  const payloadBudget = new PayloadBudget(cfg.payloadBudgetBytes);
  let clinical: Clinical | undefined;
  const cpuTurns = cfg.ingestTurnMs > 0 ? new CpuTurns(cfg.ingestTurnMs) : undefined;
  registerIngestGauges(metrics, payloads, deadLetters, storage, payloadBudget, cpuTurns);
  return {
    cfg,
    log: logger,
    redis,
    conn,
    store,
    payloads,
    deadLetters,
    storage,
    queues,
    metrics,
    payloadBudget,
    cpuTurns,
    rejects: new RejectLog(conn, cfg.keyPrefix, {
      perRequest: cfg.rejectsPerRequest,
      perSource: cfg.rejectsPerSource,
      resourceChars: cfg.rejectResourceChars,
    }),
    // Loaded on first use: the workers need it (definitions, mappings, profiles: ~1 s and ~150 MB);
    // an API-only process does not, so it starts faster and stays small.
    get clinical() {
      return (clinical ??= warmedUp(loadClinical(), cfg, logger));
    },
    closing: false,
    workers: [],
    connections: [],
    closers: [],
  };
}

/** The clinical core, first warmed up on the sample patients (cfg.warmUpRounds; clinical-warm-up.ts). */
function warmedUp(clinical: Clinical, cfg: Config, log: Logger): Clinical {
  if (cfg.warmUpRounds > 0) {
    const s = warmUpClinical(clinical, readWarmUpBundles(SAMPLES_DIR), cfg.warmUpRounds);
    log.info(
      { rounds: s.rounds, resources: s.resources, outputs: s.outputs, ms: s.ms },
      'clinical core warmed up',
    );
  }
  return clinical;
}

export async function startApi(rt: Runtime, tokens: LoadedTokens): Promise<FastifyInstance> {
  // Completion events for synchronous ingest answers: one blocking connection per API process.
  const eventsConn = rt.redis.connect();
  watchConnection(eventsConn, rt.log, 'ingest-events');
  rt.connections.push(eventsConn);
  const ingestEvents = new QueueEvents('ingest', { connection: eventsConn, prefix: rt.queues.prefix });
  ingestEvents.on('error', () => undefined); // reported once by watchConnection
  rt.closers.push(() => ingestEvents.close());
  const app = await buildApi({
    log: rt.log,
    tokens: tokens.registry,
    smart: new SmartTokens(rt.conn, rt.cfg.keyPrefix, loadSmartClients(rt.cfg), rt.cfg.smartTokenTtlSeconds),
    store: rt.store,
    redisUrl: rt.redis.url,
    queues: rt.queues,
    payloads: rt.payloads,
    storage: rt.storage,
    pendingAlertSeconds: rt.cfg.pendingAlertSeconds,
    ingestEvents,
    syncWaitMs: rt.cfg.syncWaitMs,
    metrics: rt.metrics,
    validation: {
      threads: rt.cfg.validateThreads,
      idleMs: rt.cfg.validateIdleMs,
      maxQueue: rt.cfg.validateMaxQueue,
    },
    uiPages: { maxQueue: rt.cfg.uiPagesMaxQueue },
    bodyLimit: rt.cfg.bodyLimit,
    bodyBudget: { bytes: rt.cfg.bodyBudgetBytes, waitMs: rt.cfg.bodyBudgetWaitMs },
    depthLimit: rt.cfg.jsonDepthLimit,
    jsonLimits: {
      maxBundleEntries: rt.cfg.maxBundleEntries,
      maxArrayLength: rt.cfg.maxArrayLength,
      maxStringLength: rt.cfg.maxStringLength,
    },
    httpLimits: rt.cfg, // Config extends HttpLimits: the limits under their own names
    rejects: rt.rejects,
    version: VERSION,
    publicBaseUrl: rt.cfg.publicBaseUrl,
    exportMinPollMs: rt.cfg.exportMinPollMs,
    destinations: deliveryOf(rt).destinations,
    subscriptions: {
      store: deliveryOf(rt).subscriptions,
      allowedHosts: deliveryOf(rt).destinations.allowedHosts,
    },
    uiSessionSecret: rt.cfg.uiSessionSecret,
    isClosing: () => rt.closing,
    serveMetrics: rt.cfg.metricsPort === undefined,
    metricsToken: rt.cfg.metricsToken,
  });
  await app.listen({ port: rt.cfg.port, host: rt.cfg.host });
  rt.api = app;
  return app;
}

/** The separate /metrics listener, when METRICS_PORT is configured. */
export async function startMetricsListener(rt: Runtime): Promise<void> {
  if (rt.cfg.metricsPort === undefined) return;
  rt.metricsServer = await startMetricsServer(
    rt.metrics,
    { port: rt.cfg.metricsPort, host: rt.cfg.metricsHost },
    rt.cfg.metricsToken,
  );
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
  processor: (job: Job<D>, token?: string) => Promise<R>,
): Worker<D, R> {
  const timed: Processor<D, R> = async (job, token) => {
    const end = rt.metrics.jobDuration.startTimer({ queue: name, name: job.name });
    try {
      const r = await processor(job, token);
      end({ outcome: 'completed' });
      return r;
    } catch (err) {
      if (err instanceof DelayedError) {
        // Handed back to the queue on purpose (the ingest payload budget): not a failure.
        end({ outcome: 'delayed' });
        throw err;
      }
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
  const w = new Worker<D, R>(name, timed, workerOptions(rt.cfg, conn, rt.queues.prefix, name));
  w.on('error', (err) => {
    // Connection errors are reported once by watchConnection; BullMQ repeats them per retry, and while
    // the connection is not ready any error (whatever its wording) is a consequence of that loss.
    if (!isRedisUnavailable(err) && conn.status === 'ready') {
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
  // A PING, not the connection status: ioredis may not have noticed yet that Redis went away.
  const answers = rt.conn.ping().then(
    () => true,
    () => false,
  );
  const redisUp = await Promise.race([answers, new Promise<boolean>((r) => setTimeout(r, 1000, false))]);
  await within(rt.api?.close() ?? Promise.resolve(), redisUp ? graceMs : 2000);
  await within(rt.metricsServer?.close() ?? Promise.resolve(), 2000);
  if (!redisUp) {
    // Redis is down: no job can finish or hand itself back, and every close would wait on a
    // connection that is not there. Stop at once, with one line instead of a stack per connection.
    rt.log.warn(
      { workers: rt.workers.length },
      'Redis unavailable at shutdown; jobs in flight are left to stall recovery',
    );
    for (const c of [rt.conn, ...rt.connections]) c.disconnect();
    await within(Promise.all(rt.workers.map((w) => w.close(true))), 1000);
    await within(rt.queues.close(), 1000);
    await rt.redis.embedded?.stop();
    return;
  }
  if (!(await within(Promise.all(rt.workers.map((w) => w.close())), graceMs))) {
    rt.log.warn({ graceMs }, 'jobs still running after the grace period; leaving them to stall recovery');
    await within(Promise.all(rt.workers.map((w) => w.close(true))), 2000);
  }
  await within(rt.queues.close(), 5000);
  await within(Promise.all(rt.closers.map((c) => c())), 5000);
  for (const c of [rt.conn, ...rt.connections]) {
    if (!(await within(c.quit(), 2000))) c.disconnect();
  }
  await rt.redis.embedded?.stop();
}

export { loadTokens };
