/**
 * Runs one process: the API and/or a set of workers, with graceful shutdown on SIGTERM/SIGINT.
 * A worker-only process still serves /healthz, /readyz and /metrics on PORT for probes and scraping.
 */
import Fastify from 'fastify';
import type { Worker } from 'bullmq';
import { opsRoutes } from './api/routes/ops';
import { IngestHealth } from './ops/ingest-health';
import type { QueueName } from './queue/queues';
import { StartupError, redactUrl } from './redis';
import {
  createRuntime,
  loadTokens,
  startApi,
  startMetricsListener,
  stopRuntime,
  type Runtime,
} from './runtime';
import { replacedNodeOptions } from './v8-flags';
import { alignThreadPriorities, startWorkerProcesses } from './worker-processes';

export interface ProcessPlan {
  api: boolean;
  workers: Partial<Record<QueueName, (rt: Runtime) => Worker>>;
  /**
   * `npm start`: run `workers` in WORKER_PROCESSES forked processes (this entry file, mode `worker`),
   * so this process's event loop serves only the API; with WORKER_PROCESSES=0 they run in here.
   */
  forkWorkers?: { entry: string };
  /** Called once everything listens (the demo posts sample data from here). */
  afterStart?: (rt: Runtime) => Promise<void>;
}

export async function runProcess(plan: ProcessPlan): Promise<Runtime | undefined> {
  let rt: Runtime;
  try {
    rt = await createRuntime();
  } catch (err) {
    // One line, no stack: the usual cause is configuration (Redis, tokens, mappings).
    process.stderr.write(`bitebridge: cannot start: ${(err as Error).message}\n`);
    process.exitCode = err instanceof StartupError ? 2 : 1;
    return undefined;
  }
  const { log, cfg } = rt;
  /** A worker process `npm start` forked (it has an IPC channel to the API process). */
  const forkedWorker = !plan.api && !!process.send;
  try {
    if (plan.api) {
      const tokens = loadTokens(cfg);
      if (tokens.generatedToken) {
        // Printed once, on purpose, and never logged: the operator needs it to call the API.
        process.stdout.write(
          `\nbitebridge: no tokens configured; generated a local token (source "local", all scopes), saved in ${cfg.localTokenFile}:\n\n  ${tokens.generatedToken}\n\n`,
        );
      }
      log.info({ tokens: tokens.registry.size, origin: tokens.origin }, 'tokens loaded');
      await startApi(rt, tokens);
    } else {
      const ops = Fastify({ logger: false });
      await ops.register(opsRoutes, {
        redis: rt.conn,
        queues: rt.queues,
        metrics: rt.metrics,
        ingest: new IngestHealth(rt.conn, rt.store.keys, rt.queues, cfg.pendingAlertSeconds, rt.storage),
        isClosing: () => rt.closing,
        serveMetrics: cfg.metricsPort === undefined,
        metricsToken: cfg.metricsToken,
      });
      await ops.listen({ port: cfg.port, host: cfg.host });
      rt.api = ops;
    }
    await startMetricsListener(rt);
    const forking = !!plan.forkWorkers && cfg.workerProcesses > 0;
    if (!forking) for (const factory of Object.values(plan.workers)) if (factory) factory(rt);
    if (!plan.api) alignThreadPriorities(); // a forked worker (WORKER_NICE): all its threads, not only the first
    if (plan.forkWorkers && forking) {
      const forked = startWorkerProcesses(
        cfg.workerProcesses,
        plan.forkWorkers.entry,
        // the children use this process's Redis, also when it is a private one started here
        { REDIS_URL: rt.redis.url, REDIS_EMBEDDED: 'never', KEY_PREFIX: cfg.keyPrefix },
        log,
        cfg.workerNice,
        cfg.workerMaxOldSpaceMb,
      );
      rt.closers.unshift(() => forked.stop());
    }
    log.info(
      {
        api: plan.api,
        workers: forking ? [] : Object.keys(plan.workers),
        workerProcesses: forking ? cfg.workerProcesses : 0,
        port: cfg.port,
        redis: redactUrl(rt.redis.url),
        embeddedRedis: !!rt.redis.embedded,
        prefix: cfg.keyPrefix,
        execArgv: process.execArgv,
      },
      'bitebridge started',
    );
    // A forked worker process inherits both from the process that forked it, which has said so.
    const replaced = forkedWorker ? [] : replacedNodeOptions();
    if (replaced.length)
      log.warn(
        { nodeOptions: replaced },
        'NODE_OPTIONS settings replaced by the node command line (start node with your own flags instead)',
      );
  } catch (err) {
    log.error({ err: (err as Error).message }, 'start-up failed');
    await stopRuntime(rt).catch(() => undefined);
    process.exitCode = 1;
    return undefined;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Last resort: a shutdown that itself hangs must not keep the process (and its port) forever.
    setTimeout(() => {
      log.error('shutdown did not finish in 30 s; exiting');
      process.exit(1);
    }, 30_000).unref();
    stopRuntime(rt)
      .then(() => log.info('stopped'))
      .catch((err: Error) => {
        log.error({ err: err.message }, 'error during shutdown');
        process.exitCode = 1;
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // A forked worker process whose parent died without stopping it (SIGKILL, out of memory) sees its
  // IPC channel close: it stops as on SIGTERM instead of running on, orphaned, beside the worker
  // processes of the next start. The channel is unref'd: a 'disconnect' listener refs it, and would keep
  // a stopped worker alive until its parent closed it (a SIGTERM shutdown then waited 30 s).
  if (forkedWorker) {
    process.once('disconnect', () => stop('parent process gone'));
    process.channel?.unref();
  }
  if (plan.afterStart) await plan.afterStart(rt);
  return rt;
}
