/** Every queue's worker factory, by queue name. */
import type { Worker } from 'bullmq';
import type { QueueName } from '../src/queue/queues';
import type { Runtime } from '../src/runtime';
import { assembleWorker } from './assemble';
import { deliverWorker } from './deliver';
import { exportWorker } from './export';
import { ingestWorker } from './ingest';

export type WorkerFactory = (rt: Runtime) => Worker;

export const WORKERS: Partial<Record<QueueName, WorkerFactory>> = {
  ingest: ingestWorker as WorkerFactory,
  assemble: assembleWorker as WorkerFactory,
  export: exportWorker as WorkerFactory,
  deliver: deliverWorker as WorkerFactory,
};
