/**
 * Prometheus metrics. Queue depth is read from Redis at scrape time (so any process reports the
 * global depth); counters and histograms are this process's own.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queues } from '../queue/queues';

const STATES = [
  'waiting',
  'active',
  'delayed',
  'completed',
  'failed',
  'prioritized',
  'waiting-children',
] as const;

export class Metrics {
  readonly registry = new Registry();
  readonly jobDuration = new Histogram({
    name: 'bitebridge_job_duration_seconds',
    help: 'Job processing time by queue, job name and outcome',
    labelNames: ['queue', 'name', 'outcome'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly ingestEntries = new Counter({
    name: 'bitebridge_ingest_entries_total',
    help: 'Accepted request entries by outcome (created, updated, unchanged, invalid)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly mappedResources = new Counter({
    name: 'bitebridge_mapped_resources_total',
    help: 'Source resources through mapping, by resource type and outcome (mapped, ignored, retracted, error)',
    labelNames: ['resource_type', 'outcome'],
    registers: [this.registry],
  });
  readonly outputsSaved = new Counter({
    name: 'bitebridge_outputs_saved_total',
    help: 'Derived outputs saved as a new version, by resource type',
    labelNames: ['resource_type'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'bitebridge_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(queues?: Queues) {
    collectDefaultMetrics({ register: this.registry, prefix: 'bitebridge_' });
    if (queues) {
      new Gauge({
        name: 'bitebridge_queue_jobs',
        help: 'Jobs per queue and state (read from Redis at scrape time)',
        labelNames: ['queue', 'state'],
        registers: [this.registry],
        async collect() {
          for (const q of queues.all()) {
            const counts = await q.getJobCounts(...STATES);
            for (const s of STATES) this.set({ queue: q.name, state: s }, counts[s] ?? 0);
          }
        },
      });
    }
  }
}
