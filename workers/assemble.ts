/** `assemble` queue: recompute one patient's courses and flags. Run alone: `node -r ts-node/register/transpile-only workers/assemble.ts`. */
import type { Job } from 'bullmq';
import { processAssemble } from '../src/queue/processors/assemble';
import { runProcess } from '../src/process';
import { startWorker, type Runtime } from '../src/runtime';

export function assembleWorker(rt: Runtime) {
  const deps = {
    store: rt.store,
    derive: rt.clinical.derive,
    assertValid: rt.clinical.assertValid,
    log: rt.log,
    metrics: rt.metrics,
  };
  return startWorker(rt, 'assemble', (job: Job<{ patient: string }>) => processAssemble(job, deps));
}

if (require.main === module) void runProcess({ api: false, workers: { assemble: assembleWorker } });
