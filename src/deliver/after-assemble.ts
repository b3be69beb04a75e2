/**
 * What happens after an assemble run saved a patient's outputs: every output version gets its
 * Provenance, and each destination of the patient's source gets a push job.
 *
 * Both steps are idempotent, and run for every current output (not only the changed ones): a run
 * that crashed after saving is completed by the next run, which finds the outputs unchanged.
 * The push job id is derived from the patient's output versions, so re-runs enqueue it once.
 * Subscription notifications go to the versions the save marked not yet notified, so they too are
 * completed by the next run after such a crash.
 */
import type { Queue } from 'bullmq';
import type { Provenance, Resource } from '@medplum/fhirtypes';
import type { ClinicalEvent } from '../domain/events';
import { sha256 } from '../ingest/canonical';
import { belongsTo } from '../identity';
import { buildProvenance } from '../provenance/build';
import { saveProvenances } from '../store/provenance';
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
    // one (a run that crashed after saving) is written now. One round trip tells which are missing,
    // one more writes them all.
    const located = await deps.store.locateMany(provenance.map((p) => `Provenance/${p.resource.id}`));
    await saveProvenances(
      deps.store,
      saved.patient,
      provenance.filter((p, i) => p.isNew || located[i] === null).map((p) => p.resource),
    );
    await notifySubscribers(deps, saved);
    if (!versions.length) return;
    const state = sha256(versions.sort().join(',')).slice(0, 16);
    const pushes = (await deps.destinations.all())
      .filter((d) => belongsTo(saved.patient, d.source))
      .map((d) => ({
        name: 'push',
        data: { destination: d.id, patient: saved.patient },
        opts: { jobId: `push~${d.id}~${saved.patient}~${state}` },
      }));
    if (pushes.length) await deps.deliverQueue.addBulk(pushes);
  };
}

/**
 * One notify job per new output version and matching active subscription of the patient's source:
 * each version this run saved, and each version the save script marked not yet notified that this run
 * holds as current (a run that died between saving and here left it marked). A marked version this run
 * does not hold is left marked for a run that does (a later run saved it, or this run read the outputs
 * before it was saved; a retry of that job then holds it). Job ids dedupe a repeat; a crash between
 * enqueueing and unmarking can repeat a notification (at least once).
 */
async function notifySubscribers(deps: AfterAssembleDeps, saved: OutputsSaved): Promise<void> {
  const marked = await deps.store.unnotifiedOutputs(saved.patient);
  if (!marked.size && !saved.changed.length) return;
  // Each output as this run holds it: saved now, or stored before (unchanged, or withdrawn earlier).
  const now = new Map<string, { versionId?: string; resource: Resource }>();
  for (const [key, c] of saved.current) now.set(key, c);
  const newVersion = new Map(saved.changed.map((c) => [c.key, c.versionId]));
  for (const o of saved.outputs)
    now.set(o.key, {
      versionId: newVersion.get(o.key) ?? saved.current.get(o.key)?.versionId,
      resource: o.resource,
    });
  const due = new Map<string, { key: string; versionId: string; resource: Resource }>();
  for (const [key, versionId] of [...newVersion, ...marked]) {
    const held = now.get(key);
    if (held?.versionId === versionId)
      due.set(`${key}@${versionId}`, { key, versionId, resource: held.resource });
  }
  const subs = ((await deps.subscriptions?.all()) ?? []).filter(
    (s) => s.resource.status === 'active' && belongsTo(saved.patient, s.source),
  );
  const notifications = [...due.values()].flatMap(({ key, versionId, resource }) =>
    subs
      .filter((s) => criteriaMatch(s.resource.criteria, resource))
      .map((s) => ({
        name: 'notify',
        data: { subscription: s.resource.id, patient: saved.patient, key, versionId },
        opts: { jobId: `notify~${s.resource.id}~${key.replace('/', '~')}~${versionId}` },
      })),
  );
  // One round trip for all of them (BullMQ skips a job id it already holds, as `add` does).
  if (notifications.length) await deps.deliverQueue.addBulk(notifications);
  await deps.store.markNotified(saved.patient, [...due.values()]);
}
