/**
 * Mapping stored resource versions to clinical events, batched: a constant number of Redis round
 * trips for any number of resources (fetch the versions not in hand, resolve their references, save
 * all events in one pipeline, one assemble job per patient whose events may have changed). Versions
 * mapped before they were stored (queue/premap.ts) are not mapped again. A resource whose mapping throws
 * is dead-lettered on its own (the others go on) and replayed with backoff by the sweep.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Resource } from '@medplum/fhirtypes';
import type { ClinicalEvent } from '../domain/events';
import { belongsTo } from '../identity';
import { referencesToResolve, RESOLVABLE_TYPES } from '../mapping/references';
import type { MapItem, PremappedItem } from '../ingest/accept';
import type { Logger } from '../logger';
import type { Metrics } from '../ops/metrics';
import type { DeadLetters } from '../store/dead-letters';
import type { Store } from '../store/store';
import type { Queues } from './queues';
import { citingVersion } from '../mapping/result';
import type { MappingResult } from '../mapping/types';

/** What mapping one resource gives (the mapping module's own result). */
export type MapOutcome = MappingResult;

/** `map(resource) → events`, with a synchronous resolver for referenced resources (Medication…). */
export type ResourceMapper = (
  resource: Resource,
  source: string,
  resolve: (reference: string) => Resource | undefined,
) => MapOutcome;

export interface MapDeps {
  store: Store;
  queues: Queues;
  map: ResourceMapper;
  deadLetters: DeadLetters;
  log: Logger;
  metrics: Metrics;
}

export interface MapSummary {
  mapped: number;
  ignored: number;
  retracted: number;
  error: number;
  stale: number;
  deadLettered: number;
  /** Keys of the resources dead-lettered here (ids, no content): their entries' answers say so. */
  parked: string[];
  patients: string[];
}

/** A summary of nothing mapped yet. */
export function emptySummary(): MapSummary {
  return {
    mapped: 0,
    ignored: 0,
    retracted: 0,
    error: 0,
    stale: 0,
    deadLettered: 0,
    parked: [],
    patients: [],
  };
}

/**
 * The sender's own (namespaced) references a mapper may resolve (mapping/references.ts), of the types
 * resolved from the store before mapping (the mapper itself stays synchronous).
 */
function referencesOf(resource: Resource, source: string): string[] {
  return referencesToResolve(resource).filter((ref) => {
    const slash = ref.indexOf('/');
    const id = ref.slice(slash + 1);
    return (
      slash > 0 && RESOLVABLE_TYPES.has(ref.slice(0, slash)) && !id.includes('/') && belongsTo(id, source)
    );
  });
}

const SLICE = 50;

/**
 * `premapped`: versions the apply script already stored as mapped to no events (queue/premap.ts);
 * they are counted here, and their patient is assembled again only when they removed earlier events.
 */
export async function mapItems(
  source: string,
  items: MapItem[],
  deps: MapDeps,
  premapped: PremappedItem[] = [],
): Promise<MapSummary> {
  return mapItemsChecked(source, items, deps, premapped, 0);
}

/** How many times a batch maps again readers whose referenced resource changed while it mapped. */
const MAX_RECHECKS = 5;

async function mapItemsChecked(
  source: string,
  items: MapItem[],
  deps: MapDeps,
  premapped: PremappedItem[],
  recheck: number,
): Promise<MapSummary> {
  const summary = emptySummary();
  const missing = items.filter((i) => !i.resource);
  const fetched = await deps.store.getSources(missing);
  const current = new Map(missing.map((m, i) => [m, fetched[i]]));
  const work: Array<{ item: MapItem; resource: Resource }> = [];
  for (const item of items) {
    const stored = current.get(item);
    if (item.resource) work.push({ item, resource: item.resource });
    else if (stored && stored.versionId === item.versionId) work.push({ item, resource: stored.resource });
    else summary.stale++; // a newer version was stored; its own job maps it
  }

  const refs = new Set<string>();
  const readers: Array<{ ref: string; key: string; patient?: string }> = [];
  const gone: typeof readers = [];
  for (const w of work) {
    if (w.item.outcome) continue;
    const read = referencesOf(w.resource, source);
    for (const ref of read) {
      refs.add(ref);
      readers.push({ ref, key: w.item.key, patient: w.item.patient });
    }
    // Mapped for a change of a resource it no longer references (a newer version): not its reader now.
    for (const ref of w.item.via ?? [])
      if (!read.includes(ref)) gone.push({ ref, key: w.item.key, patient: w.item.patient });
  }
  // Recorded before the referenced resources are read: a Medication stored from here on finds this
  // reader (mapDependents), and one stored before is read below. Either way it is mapped with it.
  await deps.store.updateDependents(readers, gone);
  const refList = [...refs];
  const scopes = await deps.store.locateMany(refList);
  const located = refList.flatMap((key, i) =>
    scopes[i] === null ? [] : [{ key, patient: scopes[i] || undefined }],
  );
  const resolvedList = await deps.store.getSources(located);
  const resolved = new Map<string, Resource>();
  /** The version of each referenced resource this batch maps with (undefined: not stored). */
  const readVersion = new Map<string, string | undefined>();
  located.forEach((l, i) => {
    const r = resolvedList[i];
    if (r) {
      resolved.set(l.key, r.resource);
      readVersion.set(l.key, r.versionId);
    }
  });

  const patients = new Set<string>();
  const tally = new Map<string, number>();
  const count = (resourceType: string, status: MapOutcome['status']) => {
    summary[status]++;
    const counted = `${resourceType} ${status}`;
    tally.set(counted, (tally.get(counted) ?? 0) + 1);
  };
  for (const p of premapped) {
    count(p.key.slice(0, p.key.indexOf('/')), p.status);
    if (p.replaced && p.patient) patients.add(p.patient);
  }
  const saves: Array<{ patient?: string; key: string; versionId: string; events: ClinicalEvent[] | null }> =
    [];
  for (let n = 0; n < work.length; n++) {
    const { item, resource } = work[n];
    if (n % SLICE === SLICE - 1) await yieldToLoop();
    let out: MapOutcome;
    try {
      out = item.outcome
        ? citingVersion(item.outcome, item.versionId)
        : deps.map(resource, source, (ref) => resolved.get(ref));
    } catch (err) {
      // A mapper bug on one resource: park it, map the rest; the sweep replays it with backoff.
      await deps.deadLetters.add(
        { source, key: item.key, patient: item.patient, versionId: item.versionId },
        (err as Error).name,
      );
      deps.log.error({ key: item.key, err: (err as Error).name }, 'mapping failed; dead-lettered');
      summary.deadLettered++;
      summary.parked.push(item.key);
      continue;
    }
    count(resource.resourceType, out.status);
    saves.push({ ...item, events: out.status === 'mapped' ? out.events : null });
    if (item.patient) patients.add(item.patient);
    for (const e of out.events) patients.add(e.patient);
  }
  // One counter update per type and outcome, not per resource (labels are hashed on every update).
  for (const [counted, n] of tally) {
    const [resourceType, outcome] = counted.split(' ');
    deps.metrics.mappedResources.inc({ source, resource_type: resourceType, outcome }, n);
  }
  const written = await deps.store.saveEventsMany(saves);
  summary.stale += written.filter((w) => !w).length;
  summary.patients = [...patients].sort();
  await enqueueAssemble(summary.patients, deps);
  if (refList.length > 0) {
    const again = await mapChangedReaders(source, work, refList, readVersion, deps, recheck);
    // A reader parked when mapped again is parked: said in the answer, and its letter is not resolved.
    if (again?.parked.length) {
      summary.parked = [...new Set([...summary.parked, ...again.parked])];
      summary.deadLettered = summary.parked.length;
    }
  }
  return summary;
}

/**
 * A referenced resource written while this batch mapped (another payload's Medication): its payload
 * maps the readers again (mapDependents), but this batch may save after that did, with what it read
 * before. So once saved, the versions read are checked, and readers of one that changed are mapped
 * again (their events then follow the latest save, whichever batch makes it).
 */
async function mapChangedReaders(
  source: string,
  work: Array<{ item: MapItem; resource: Resource }>,
  refList: string[],
  readVersion: ReadonlyMap<string, string | undefined>,
  deps: MapDeps,
  recheck: number,
): Promise<MapSummary | undefined> {
  const now = await deps.store.currentVersions(refList);
  const changed = new Set(refList.filter((ref, i) => now[i] !== readVersion.get(ref)));
  if (changed.size === 0) return undefined;
  if (recheck >= MAX_RECHECKS) {
    // Changed on every pass (a Medication rewritten faster than this batch maps): these readers may
    // keep an earlier version's events until the next change of either. Said, not hidden.
    deps.log.warn({ references: changed.size }, 'referenced resources kept changing while mapping');
    return undefined;
  }
  const again = work
    .filter((w) => !w.item.outcome && referencesOf(w.resource, source).some((r) => changed.has(r)))
    .map((w) => ({ key: w.item.key, patient: w.item.patient, versionId: w.item.versionId }));
  return mapItemsChecked(source, again, deps, [], recheck + 1);
}

/** Readers per `map` job when a referenced resource changes (processors/ingest.ts `processMap`). */
const READERS_PER_JOB = 200;

/** Ids of `map` jobs start with this (the sweep finds failed ones among rejected payloads' jobs). */
export const MAP_JOB_ID_PREFIX = 'd-';

/**
 * Maps again the stored resources that read one of `changed` (resources of RESOLVABLE_TYPES written
 * now) through a reference: an administration sent before its Medication, or whose Medication was
 * corrected, is mapped with the Medication as stored now, so the same data gives the same course in
 * any order of arrival. Enqueued as `map` jobs of READERS_PER_JOB (a Medication may have thousands of
 * readers: they are mapped by every worker, and the payload's answer does not wait for them), with
 * ids from the payload's, so a payload processed twice enqueues them once. `mappedNow`: keys this
 * payload has just mapped, with the changed resources already stored. Answers how many.
 */
export async function mapDependents(
  source: string,
  changed: string[],
  mappedNow: ReadonlySet<string>,
  payloadId: string,
  deps: MapDeps,
): Promise<number> {
  const readers = (await deps.store.dependentsOf(changed)).filter((d) => !mappedNow.has(d.key));
  const versions = readers.length ? await deps.store.currentVersions(readers.map((r) => r.key)) : [];
  const items: MapItem[] = readers.flatMap((r, i) => {
    const versionId = versions[i];
    return versionId === undefined ? [] : [{ key: r.key, patient: r.patient, versionId, via: changed }];
  });
  const jobs = [];
  for (let n = 0; n * READERS_PER_JOB < items.length; n++) {
    const chunk = items.slice(n * READERS_PER_JOB, (n + 1) * READERS_PER_JOB);
    const jobId = `${MAP_JOB_ID_PREFIX}${payloadId}-${n}`;
    jobs.push({ name: 'map', data: { source, items: chunk }, opts: { jobId } });
  }
  if (jobs.length) await deps.queues.get('ingest').addBulk(jobs);
  return items.length;
}

/**
 * One `assemble` job per patient, coalesced: the job id carries the patient's current assemble
 * claim, so every ingest that finishes before that job starts shares it; one finishing after the job
 * started (and took a new claim) gets a new job. See processors/assemble.ts.
 */
export async function enqueueAssemble(
  patients: string[],
  deps: Pick<MapDeps, 'store' | 'queues'>,
): Promise<void> {
  if (!patients.length) return;
  const pipe = deps.store.redis.pipeline();
  for (const p of patients) pipe.get(deps.store.keys.claim({ patient: p }));
  const claims = ((await pipe.exec()) ?? []).map(([err, v]) => {
    if (err) throw err;
    return v as string | null;
  });
  await deps.queues.get('assemble').addBulk(
    patients.map((patient, i) => ({
      name: 'assemble',
      data: { patient },
      opts: { jobId: `a-${patient}-${claims[i] ?? '0'}` },
    })),
  );
}
