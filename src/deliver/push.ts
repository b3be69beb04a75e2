/**
 * The `deliver` queue's push processor: one job = one patient × one destination. It sends what the
 * registry has not acknowledged yet (current output versions against the acknowledged ones), so
 * jobs are idempotent, a stale or duplicate job sends nothing, and two workers never push one
 * patient to one registry at once (a Redis lock), which keeps each patient's versions in order.
 * A failed request throws: BullMQ retries with exponential backoff, and a job out of attempts stays
 * in the queue's failed set (the dead letter) to be replayed from the API, the CLI or the dashboard.
 */
import type { Job } from 'bullmq';
import type { Bundle, Group } from '@medplum/fhirtypes';
import { isWithdrawn } from '../domain/withdraw';
import { belongsTo } from '../identity';
import type { Logger } from '../logger';
import type { DeliveryStore } from '../store/deliveries';
import type { Store } from '../store/store';
import { transactionBundles, type PendingOutput } from './bundle';
import { passesFilter, type Destination } from './destinations';
import type { DeliveryMetrics } from './metrics';
import type { DestinationRegistry } from './registry';

export interface PushJob {
  destination: string;
  patient: string;
}

/** What the processor needs of a FHIR client: fhir-kit-client's `transaction`. */
export interface RegistryClient {
  transaction(p: { body: Bundle; options?: RequestInit }): Promise<unknown>;
}

export interface PushDeps {
  store: Store;
  deliveries: DeliveryStore;
  destinations: DestinationRegistry;
  clientFor: (d: Destination) => Promise<RegistryClient>;
  publicBase: string;
  log: Logger;
  metrics: DeliveryMetrics;
  requestTimeoutMs?: number;
}

export interface PushResult {
  sent: number;
  bundles: number;
  skipped?: string;
}

/** The HTTP status of a fhir-kit-client error, without its body (which may echo clinical data). */
export function registryFailure(err: unknown): Error {
  const status = (err as { response?: { status?: number } })?.response?.status;
  if (status) return new Error(`registry answered HTTP ${status}`);
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  return new Error(`registry unreachable${cause ? ` (${cause})` : ''}: ${(err as Error).name}`);
}

async function inGroup(store: Store, group: string, patient: string): Promise<boolean> {
  const [g] = await store.getMany({ unscoped: true }, [`Group/${group}`]);
  const members = ((g?.resource as Group | undefined)?.member ?? []).map((m) => m.entity?.reference);
  return members.includes(`Patient/${patient}`);
}

export async function processPush(job: Job<PushJob>, deps: PushDeps): Promise<PushResult> {
  const { destination, patient } = job.data;
  const dest = await deps.destinations.get(destination);
  if (!dest) return { sent: 0, bundles: 0, skipped: 'unknown destination' };
  if (!belongsTo(patient, dest.source)) return { sent: 0, bundles: 0, skipped: 'other source' };
  if (dest.filter.group && !(await inGroup(deps.store, dest.filter.group, patient)))
    return { sent: 0, bundles: 0, skipped: 'not in group' };

  const lockMs = 2 * (deps.requestTimeoutMs ?? 30_000);
  const release = await deps.deliveries.lock(patient, dest.id, lockMs, 30_000);
  if (!release) throw new Error('another delivery of this patient to this destination is running');
  try {
    const [current, acked] = await Promise.all([
      deps.store.currentOutputs(patient),
      deps.deliveries.acked(patient, dest.id),
    ]);
    const pending: Array<PendingOutput & { lastUpdated: string }> = [];
    for (const o of current.values()) {
      if (acked.get(o.key) === o.versionId || !passesFilter(dest.filter, o.resource as never)) continue;
      // Withdrawn before the registry ever had it: nothing to withdraw there.
      if (isWithdrawn(o.resource) && !acked.has(o.key)) continue;
      pending.push({ key: o.key, versionId: o.versionId, resource: o.resource, lastUpdated: o.lastUpdated });
    }
    if (!pending.length) return { sent: 0, bundles: 0 };
    const client = await deps.clientFor(dest);
    const bundles = transactionBundles(pending, {
      style: dest.payload,
      publicBase: deps.publicBase,
      size: dest.bundleSize,
    });
    let sent = 0;
    for (const b of bundles) {
      try {
        await client.transaction({
          body: b.bundle,
          options: { signal: AbortSignal.timeout(deps.requestTimeoutMs ?? 30_000) },
        });
      } catch (err) {
        deps.metrics.failed.inc({ destination: dest.id });
        throw registryFailure(err);
      }
      // A transaction is all-or-nothing: a 2xx means every entry was applied.
      await deps.deliveries.ack(
        patient,
        dest.id,
        b.outputs.map((o) => [o.key, o.versionId]),
      );
      const now = Date.now();
      for (const o of b.outputs) {
        deps.metrics.sent.inc({ destination: dest.id, resource_type: o.resource.resourceType });
        const saved = pending.find((p) => p.key === o.key)?.lastUpdated;
        if (saved)
          deps.metrics.lag.observe({ destination: dest.id }, Math.max(0, now - Date.parse(saved)) / 1000);
      }
      sent += b.outputs.length;
    }
    deps.log.info({ jobId: job.id, destination: dest.id, sent, bundles: bundles.length }, 'delivered');
    return { sent, bundles: bundles.length };
  } finally {
    await release();
  }
}
