/**
 * Ingest-log gauges, read from Redis at scrape time (any process reports the global figures):
 * payloads acknowledged but not yet processed, and dead-lettered resources, with the age of the
 * oldest of each (0 when there is none): alert on a dead letter at all, and on an oldest pending age
 * above PENDING_ALERT_SECONDS, as /alerts does (ops/ingest-health.ts); and Redis memory against the
 * maxmemory that ingest stops short of (ops/storage-guard.ts).
 */
import { Gauge } from 'prom-client';
import type { Metrics } from '../ops/metrics';
import type { DeadLetters } from '../store/dead-letters';
import type { PayloadLog } from '../store/payloads';
import type { StorageGuard } from '../ops/storage-guard';
import type { PayloadBudget } from './payload-budget';

export function registerIngestGauges(
  metrics: Metrics,
  payloads: PayloadLog,
  deadLetters: DeadLetters,
  storage?: StorageGuard,
  budget?: PayloadBudget,
): void {
  if (budget) {
    new Gauge({
      name: 'bitebridge_ingest_payload_bytes_in_process',
      help: "Recorded payload bytes this process's ingest worker is processing (PAYLOAD_BUDGET_BYTES, or one larger payload alone; 0 where no ingest worker runs)",
      registers: [metrics.registry],
      collect() {
        this.set(budget.inFlight);
      },
    });
    new Gauge({
      name: 'bitebridge_ingest_payloads_held_back',
      help: 'Payloads whose job waits in this process until their bytes fit PAYLOAD_BUDGET_BYTES',
      registers: [metrics.registry],
      collect() {
        this.set(budget.waiting);
      },
    });
  }
  if (storage) {
    new Gauge({
      name: 'bitebridge_redis_memory_used_ratio',
      help: 'Redis used memory / maxmemory (0: no maxmemory; -1: Redis refuses INFO); ingest answers 503 at INGEST_MEMORY_HIGH_WATER',
      registers: [metrics.registry],
      async collect() {
        const l = await storage.level();
        this.set(l.infoRefused ? -1 : l.maxBytes > 0 ? l.usedBytes / l.maxBytes : 0);
      },
    });
  }
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
  const age = (ms: number | undefined) => (ms === undefined ? 0 : Math.max(0, (Date.now() - ms) / 1000));
  new Gauge({
    name: 'bitebridge_ingest_oldest_pending_seconds',
    help: 'Age of the oldest acknowledged payload not yet processed (0: none pending)',
    registers: [metrics.registry],
    async collect() {
      this.set(age(await payloads.oldestPendingAt()));
    },
  });
  new Gauge({
    name: 'bitebridge_ingest_oldest_dead_letter_seconds',
    help: 'Time since the longest-waiting dead letter was first parked (0: none)',
    registers: [metrics.registry],
    async collect() {
      this.set(age(await deadLetters.oldestParkedAt()));
    },
  });
}
