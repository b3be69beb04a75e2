/**
 * Ingest-log gauges, read from Redis at scrape time (any process reports the global figures):
 * payloads acknowledged but not yet processed, and dead-lettered resources, with the age of the
 * oldest of each (0 when there is none): alert on a dead letter at all, and on an oldest pending age
 * above PENDING_ALERT_SECONDS, as /alerts does (ops/ingest-health.ts); and Redis memory against the
 * maxmemory that ingest stops short of (ops/storage-guard.ts).
 */
import { scrapedGauge, type Metrics } from '../ops/metrics';
import type { DeadLetters } from '../store/dead-letters';
import type { PayloadLog } from '../store/payloads';
import type { StorageGuard } from '../ops/storage-guard';
import type { PayloadBudget } from './payload-budget';
import type { CpuTurns } from '../ingest/cpu-turns';

export function registerIngestGauges(
  metrics: Metrics,
  payloads: PayloadLog,
  deadLetters: DeadLetters,
  storage?: StorageGuard,
  budget?: PayloadBudget,
  cpuTurns?: CpuTurns,
): void {
  const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
    scrapedGauge(metrics.registry, name, help, read);
  if (budget) {
    gauge(
      'bitebridge_ingest_payload_bytes_in_process',
      "Recorded payload bytes this process's ingest worker is processing (PAYLOAD_BUDGET_BYTES, or one larger payload alone; 0 where no ingest worker runs)",
      () => budget.inFlight,
    );
    gauge(
      'bitebridge_ingest_payloads_held_back',
      'Payloads whose job waits in this process until their bytes fit PAYLOAD_BUDGET_BYTES',
      () => budget.waiting,
    );
  }
  if (cpuTurns) {
    gauge(
      'bitebridge_ingest_payloads_waiting_for_cpu',
      'Payloads in this process waiting for a turn on its CPU (INGEST_TURN_MS): new ones, not parsed yet, and ones whose turn ran out; 0 where no ingest worker runs',
      () => cpuTurns.waiting,
    );
  }
  if (storage) {
    gauge(
      'bitebridge_redis_memory_used_ratio',
      'Redis used memory / maxmemory (0: no maxmemory; -1: Redis refuses INFO); ingest answers 503 at INGEST_MEMORY_HIGH_WATER',
      async () => {
        const l = await storage.level();
        return l.infoRefused ? -1 : l.maxBytes > 0 ? l.usedBytes / l.maxBytes : 0;
      },
    );
  }
  gauge(
    'bitebridge_ingest_pending_payloads',
    'Acknowledged payloads not yet fully processed (queued, running, or waiting for a backoff retry)',
    () => payloads.pendingCount(),
  );
  gauge(
    'bitebridge_ingest_dead_letters',
    'Resources whose mapping failed, parked and replayed with backoff',
    () => deadLetters.count(),
  );
  const age = (ms: number | undefined) => (ms === undefined ? 0 : Math.max(0, (Date.now() - ms) / 1000));
  gauge(
    'bitebridge_ingest_oldest_pending_seconds',
    'Age of the oldest acknowledged payload not yet processed (0: none pending)',
    async () => age(await payloads.oldestPendingAt()),
  );
  gauge(
    'bitebridge_ingest_oldest_dead_letter_seconds',
    'Time since the longest-waiting dead letter was first parked (0: none)',
    async () => age(await deadLetters.oldestParkedAt()),
  );
}
