/**
 * `ingest` queue: process recorded payloads, map stored resources to events, and sweep (re-enqueue
 * payloads that lost their job, retry exhausted jobs with backoff, replay dead letters).
 * Run alone: `node -r ts-node/register/transpile-only workers/ingest.ts`.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { processAccept, processMap, type IngestDeps } from '../src/queue/processors/ingest';
import { startSweep } from '../src/queue/sweep';
import { runProcess } from '../src/process';
import { startWorker, type Runtime } from '../src/runtime';

/** What the ingest processors need, from one process's runtime. */
export function ingestDeps(rt: Runtime): IngestDeps {
  return {
    store: rt.store,
    payloads: rt.payloads,
    deadLetters: rt.deadLetters,
    queues: rt.queues,
    validate: rt.clinical.validate,
    map: rt.clinical.map,
    log: rt.log,
    metrics: rt.metrics,
    statusTtlSeconds: rt.cfg.keepCompletedSeconds,
    rejects: rt.rejects,
    budget: rt.payloadBudget,
    budgetWaitMs: rt.cfg.payloadBudgetWaitMs,
    cpuTurns: rt.cpuTurns,
  };
}

export function ingestWorker(rt: Runtime) {
  const deps = ingestDeps(rt);
  const w = startWorker(rt, 'ingest', async (job: Job, token?: string) => {
    if (job.name === 'accept') return processAccept(job, deps, token);
    if (job.name === 'map') return processMap(job, deps);
    throw new UnrecoverableError(`unknown ingest job name ${job.name}`);
  });
  const stop = startSweep(deps, rt.cfg.sweepIntervalMs);
  w.on('closing', stop);
  return w;
}

if (require.main === module) void runProcess({ api: false, workers: { ingest: ingestWorker } });
