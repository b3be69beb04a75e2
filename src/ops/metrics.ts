/**
 * Prometheus metrics. Queue depth is read from Redis at scrape time (so any process reports the
 * global depth); counters and histograms are this process's own.
 *
 * Default process and Node.js metrics keep their standard names (`process_*`, `nodejs_*`) so stock
 * dashboards work. Ours are `bitebridge_*`. Every counter ends in `_total` and no gauge does, which is
 * why prom-client's `nodejs_active_{handles,requests,resources}_total` gauges are dropped: their
 * unsuffixed siblings (`nodejs_active_handles{type}` …) carry the same figures by type.
 *
 * `source` labels name the token's source (hospital): a configured, bounded set. Patient ids,
 * resource ids and free text are never labels.
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

/** Default gauges whose names end in `_total` (reserved for counters by the Prometheus conventions). */
export const DROPPED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * A gauge without labels whose value is read when Prometheus scrapes (`read` may ask Redis). One
 * registered again under the same name (an API or runtime built again in one process) replaces it.
 */
export function scrapedGauge(
  registry: Registry,
  name: string,
  help: string,
  read: () => number | Promise<number>,
): void {
  registry.removeSingleMetric(name);
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      this.set(await read());
    },
  });
}

/** The source a namespaced id (`hospa.p1`) belongs to, for a `source` label. */
export function sourceLabel(namespacedId: string): string {
  const dot = namespacedId.indexOf('.');
  return dot > 0 ? namespacedId.slice(0, dot) : 'unknown';
}

export class Metrics {
  readonly registry = new Registry();
  readonly jobDuration = new Histogram({
    name: 'bitebridge_job_duration_seconds',
    help: 'Job processing time by queue, job name and outcome (completed, failed, delayed: handed back to the queue)',
    labelNames: ['queue', 'name', 'outcome'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly ingestEntries = new Counter({
    name: 'bitebridge_ingest_entries_total',
    help: 'Request entries of finished payloads by source and outcome (created, updated, unchanged, older, exists, invalid; a rejected payload counts one invalid)',
    labelNames: ['source', 'outcome'],
    registers: [this.registry],
  });
  readonly mappedResources = new Counter({
    name: 'bitebridge_mapped_resources_total',
    help: 'Source resources through mapping, by source, resource type and outcome (mapped, ignored, retracted, error)',
    labelNames: ['source', 'resource_type', 'outcome'],
    registers: [this.registry],
  });
  readonly outputsSaved = new Counter({
    name: 'bitebridge_outputs_saved_total',
    help: 'Derived outputs saved as a new version, by source and resource type',
    labelNames: ['source', 'resource_type'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'bitebridge_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'bitebridge_http_requests_total',
    help: "Authenticated HTTP requests by the token's source and status class (2xx, 4xx, 5xx)",
    labelNames: ['source', 'status_class'],
    registers: [this.registry],
  });

  constructor(queues?: Queues) {
    collectDefaultMetrics({ register: this.registry });
    for (const name of DROPPED_DEFAULT_GAUGES) this.registry.removeSingleMetric(name);
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
