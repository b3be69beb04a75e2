/**
 * What happens after an assemble run saved a patient's outputs: every output version gets its
 * Provenance, and each destination of the patient's source gets a push job.
 *
 * Both steps are idempotent, and run for every current output (not only the changed ones): a run
 * that crashed after saving is completed by the next run, which finds the outputs unchanged.
 * The push job id is derived from the patient's output versions, so re-runs enqueue it once.
 */
import type { Queue } from 'bullmq';
import type { Provenance } from '@medplum/fhirtypes';
import type { ClinicalEvent } from '../domain/events';
import { sha256 } from '../ingest/canonical';
import { belongsTo } from '../identity';
import { buildProvenance } from '../provenance/build';
import { saveProvenance } from '../store/provenance';
import type { OutputToSave, Store, StoredResource } from '../store/store';
import type { SubscriptionStore } from '../store/subscriptions';
import type { DestinationRegistry } from './registry';
import { criteriaMatch } from './subscription-criteria';

export interface OutputsSaved {
  patient: string;
  /** Every output of the run (produced and withdrawn). */
  outputs: OutputToSave[];
  /** The outputs that got a new version in this run. */
  changed: Array<{ key: string; versionId: string }>;
  /** The versions stored before this run (unchanged outputs keep theirs). */
  current: Map<string, StoredResource>;
  events: ClinicalEvent[];
}

export interface AfterAssembleDeps {
  store: Store;
  deliverQueue: Queue;
  destinations: DestinationRegistry;
  softwareVersion: string;
  subscriptions?: SubscriptionStore;
}

export function afterAssemble(deps: AfterAssembleDeps): (saved: OutputsSaved) => Promise<void> {
  return async (saved) => {
    const newVersion = new Map(saved.changed.map((c) => [c.key, c.versionId]));
    const evidence = saved.events.map((e) => e.source);
    const now = new Date(await deps.store.serverTimeMs()).toISOString();
    const versions: string[] = [];
    const provenance: Array<{ resource: Provenance; isNew: boolean }> = [];
    for (const o of saved.outputs) {
      const versionId = newVersion.get(o.key) ?? saved.current.get(o.key)?.versionId;
      if (!versionId) continue;
      versions.push(`${o.key}@${versionId}`);
      const isNew = newVersion.has(o.key);
      const recorded = isNew ? now : (saved.current.get(o.key)?.lastUpdated ?? now);
      provenance.push({
        isNew,
        resource: buildProvenance({
          patient: saved.patient,
          output: { resource: o.resource, versionId },
          evidence,
          recorded,
          softwareVersion: deps.softwareVersion,
        }),
      });
    }
    // An unchanged output's Provenance was written with the events that produced it: only a missing
    // one (a run that crashed after saving) is written now. One round trip tells which are missing.
    const located = await deps.store.locateMany(provenance.map((p) => `Provenance/${p.resource.id}`));
    for (const [i, p] of provenance.entries())
      if (p.isNew || located[i] === null) await saveProvenance(deps.store, saved.patient, p.resource);
    await notifySubscribers(deps, saved);
    if (!versions.length) return;
    const state = sha256(versions.sort().join(',')).slice(0, 16);
    for (const d of await deps.destinations.all()) {
      if (!belongsTo(saved.patient, d.source)) continue;
      await deps.deliverQueue.add(
        'push',
        { destination: d.id, patient: saved.patient },
        { jobId: `push~${d.id}~${saved.patient}~${state}` },
      );
    }
  };
}

/** One notify job per new output version and matching active subscription of the patient's source. */
async function notifySubscribers(deps: AfterAssembleDeps, saved: OutputsSaved): Promise<void> {
  if (!deps.subscriptions || !saved.changed.length) return;
  const subs = (await deps.subscriptions.all()).filter(
    (s) => s.resource.status === 'active' && belongsTo(saved.patient, s.source),
  );
  if (!subs.length) return;
  const byKey = new Map(saved.outputs.map((o) => [o.key, o.resource]));
  for (const c of saved.changed) {
    const resource = byKey.get(c.key);
    if (!resource) continue;
    for (const s of subs) {
      if (!criteriaMatch(s.resource.criteria, resource)) continue;
      await deps.deliverQueue.add(
        'notify',
        { subscription: s.resource.id, patient: saved.patient, key: c.key, versionId: c.versionId },
        { jobId: `notify~${s.resource.id}~${c.key.replace('/', '~')}~${c.versionId}` },
      );
    }
  }
}
