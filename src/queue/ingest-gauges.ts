/**
 * Ingest-log gauges, read from Redis at scrape time (any process reports the global figures):
 * payloads acknowledged but not yet processed, and dead-lettered resources. Alert on either growing.
 */
import { Gauge } from 'prom-client';
import type { Metrics } from '../ops/metrics';
import type { DeadLetters } from '../store/dead-letters';
import type { PayloadLog } from '../store/payloads';

export function registerIngestGauges(metrics: Metrics, payloads: PayloadLog, deadLetters: DeadLetters): void {
  new Gauge({
    name: 'bitebridge_ingest_pending_payloads',
    help: 'Acknowledged payloads not yet fully processed (queued, running, or waiting for a backoff retry)',
    registers: [metrics.registry],
    async collect() {
      this.set(await payloads.pendingCount());
    },
  });
  new Gauge({
    name: 'bitebridge_ingest_dead_letters',
    help: 'Resources whose mapping failed, parked and replayed with backoff',
    registers: [metrics.registry],
    async collect() {
      this.set(await deadLetters.count());
    },
  });
}
