/** `deliver` queue: pushes to registry destinations. Run alone: `node -r ts-node/register/transpile-only workers/deliver.ts`. */
import { UnrecoverableError, type Job } from 'bullmq';
import { publicBase } from '../src/deliver/public-base';
import { deliveryMetrics } from '../src/deliver/metrics';
import { processPush, type PushDeps, type PushJob } from '../src/deliver/push';
import { processHandshake, processNotify, type NotifyDeps } from '../src/deliver/notify';
import { registryClient } from '../src/deliver/client';
import { deliveryOf } from '../src/deliver/runtime';
import { runProcess } from '../src/process';
import { startWorker, type Runtime } from '../src/runtime';

export function deliverWorker(rt: Runtime) {
  const { deliveries, destinations, subscriptions } = deliveryOf(rt);
  const push: PushDeps = {
    store: rt.store,
    deliveries,
    destinations,
    clientFor: (d) => registryClient(d, destinations.allowedHosts),
    publicBase: publicBase(rt.cfg),
    log: rt.log,
    metrics: deliveryMetrics(rt.metrics.registry),
  };
  const notify: NotifyDeps = {
    store: rt.store,
    subscriptions,
    allowedHosts: destinations.allowedHosts,
    publicBase: publicBase(rt.cfg),
    log: rt.log,
    attempts: rt.cfg.jobAttempts,
  };
  return startWorker(rt, 'deliver', async (job: Job) => {
    if (job.name === 'push') return processPush(job as Job<PushJob>, push);
    if (job.name === 'handshake') return processHandshake(job, notify);
    if (job.name === 'notify') return processNotify(job, notify);
    throw new UnrecoverableError(`unknown deliver job name ${job.name}`);
  });
}

if (require.main === module) void runProcess({ api: false, workers: { deliver: deliverWorker } });
