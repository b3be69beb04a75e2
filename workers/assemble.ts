/** `assemble` queue: recompute one patient's courses and flags. Run alone: `node -r ts-node/register/transpile-only workers/assemble.ts`. */
import type { Job } from 'bullmq';
import { afterAssemble } from '../src/deliver/after-assemble';
import { deliveryOf } from '../src/deliver/runtime';
import { processAssemble } from '../src/queue/processors/assemble';
import { runProcess } from '../src/process';
import { startWorker, VERSION, type Runtime } from '../src/runtime';

export function assembleWorker(rt: Runtime) {
  const deps = {
    store: rt.store,
    derive: rt.clinical.derive,
    assertValid: rt.clinical.assertValid,
    log: rt.log,
    metrics: rt.metrics,
    onSaved: afterAssemble({
      store: rt.store,
      deliverQueue: rt.queues.get('deliver'),
      destinations: deliveryOf(rt).destinations,
      subscriptions: deliveryOf(rt).subscriptions,
      softwareVersion: VERSION,
    }),
  };
  return startWorker(rt, 'assemble', (job: Job<{ patient: string }>) => processAssemble(job, deps));
}

if (require.main === module) void runProcess({ api: false, workers: { assemble: assembleWorker } });
