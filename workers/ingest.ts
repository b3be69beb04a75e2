/** `ingest` queue: accept async payloads, map stored resources to events. Run alone: `node -r ts-node/register/transpile-only workers/ingest.ts`. */
import { UnrecoverableError, type Job } from 'bullmq';
import { processAccept, processMap, type IngestDeps } from '../src/queue/processors/ingest';
import { runProcess } from '../src/process';
import { startWorker, type Runtime } from '../src/runtime';

export function ingestWorker(rt: Runtime) {
  const deps: IngestDeps = {
    store: rt.store,
    queues: rt.queues,
    validate: rt.clinical.validate,
    map: rt.clinical.map,
    log: rt.log,
    metrics: rt.metrics,
    statusTtlSeconds: rt.cfg.keepCompletedSeconds,
    rejects: rt.rejects,
  };
  return startWorker(rt, 'ingest', async (job: Job) => {
    if (job.name === 'accept') return processAccept(job, deps);
    if (job.name === 'map') return processMap(job, deps);
    throw new UnrecoverableError(`unknown ingest job name ${job.name}`);
  });
}

if (require.main === module) void runProcess({ api: false, workers: { ingest: ingestWorker } });
