/**
 * The `ingest` queue's processors, one function per job name:
 * - `accept`: a payload sent with `Prefer: respond-async` — validated and stored here, then mapped.
 * - `map`: resources the API already stored — mapped to clinical events.
 * Both end by asking for one `assemble` per touched patient.
 */
import type { Job } from 'bullmq';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { ClinicalEvent } from '../../domain/events';
import { acceptPayload, type AcceptResult, type EntryValidator, type MapItem } from '../../ingest/accept';
import { FhirError } from '../../fhir/outcome';
import { belongsTo } from '../../identity';
import type { Logger } from '../../logger';
import type { Metrics } from '../../ops/metrics';
import type { RejectLog } from '../../store/reject-log';
import type { Store } from '../../store/store';
import type { Queues } from '../queues';

export interface MapOutcome {
  events: ClinicalEvent[];
  status: 'mapped' | 'ignored' | 'retracted' | 'error';
  issues: OperationOutcomeIssue[];
}

/** `map(resource) → events`, with a synchronous resolver for referenced resources (Medication…). */
export type ResourceMapper = (
  resource: Resource,
  source: string,
  resolve: (reference: string) => Resource | undefined,
) => MapOutcome;

export interface IngestDeps {
  store: Store;
  queues: Queues;
  validate: EntryValidator;
  map: ResourceMapper;
  log: Logger;
  metrics: Metrics;
  statusTtlSeconds: number;
  rejects?: RejectLog;
}

export interface AcceptJobData {
  source: string;
  payload: unknown;
}

export interface MapJobData {
  source: string;
  items: MapItem[];
}

/** Reference types resolved from the store before mapping (the mapper itself stays synchronous). */
const RESOLVABLE = /^(Medication|Substance|Specimen)\/[A-Za-z0-9\-.]{1,64}$/;

/**
 * References to resolve from the store: only the sender's own (namespaced) resources, and not inside
 * `contained` (those are resolved locally by the mapper and were never namespaced).
 */
function collectReferences(node: unknown, source: string, out: Set<string>): void {
  if (Array.isArray(node)) node.forEach((n) => collectReferences(n, source, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'contained') continue;
      if (k === 'reference' && typeof v === 'string') {
        if (RESOLVABLE.test(v) && belongsTo(v.slice(v.indexOf('/') + 1), source)) out.add(v);
      } else collectReferences(v, source, out);
    }
  }
}

export interface MapSummary {
  mapped: number;
  ignored: number;
  retracted: number;
  error: number;
  stale: number;
  patients: string[];
  errors: Array<{ key: string; issues: OperationOutcomeIssue[] }>;
}

export async function mapItems(source: string, items: MapItem[], deps: IngestDeps): Promise<MapSummary> {
  const summary: MapSummary = {
    mapped: 0,
    ignored: 0,
    retracted: 0,
    error: 0,
    stale: 0,
    patients: [],
    errors: [],
  };
  const patients = new Set<string>();
  for (const item of items) {
    const stored = await deps.store.getSource(item.key, item.patient);
    if (!stored || stored.versionId !== item.versionId) {
      summary.stale++; // a newer version was stored; its own job maps it
      continue;
    }
    const refs = new Set<string>();
    collectReferences(stored.resource, source, refs);
    const resolved = new Map<string, Resource>();
    for (const ref of refs) {
      const loc = await deps.store.locate(ref);
      const r = loc.found ? await deps.store.getSource(ref, loc.patient) : undefined;
      if (r) resolved.set(ref, r.resource);
    }
    const out = deps.map(stored.resource, source, (ref) => resolved.get(ref));
    summary[out.status]++;
    deps.metrics.mappedResources.inc({ resource_type: stored.resource.resourceType, outcome: out.status });
    if (out.status === 'error') summary.errors.push({ key: item.key, issues: out.issues });
    const keep = out.status === 'mapped' ? out.events : null;
    const written = await deps.store.saveEvents(item.patient, item.key, item.versionId, keep);
    if (!written) summary.stale++;
    if (item.patient) patients.add(item.patient);
    for (const e of out.events) patients.add(e.patient);
  }
  summary.patients = [...patients].sort();
  await enqueueAssemble(summary.patients, deps);
  return summary;
}

/**
 * One `assemble` job per patient, coalesced: the job id carries the patient's current assemble
 * claim, so every ingest that finishes before that job starts shares it; one finishing after the job
 * started (and took a new claim) gets a new job. See processors/assemble.ts.
 */
export async function enqueueAssemble(
  patients: string[],
  deps: Pick<IngestDeps, 'store' | 'queues'>,
): Promise<void> {
  if (!patients.length) return;
  const claims = await Promise.all(
    patients.map((p) => deps.store.redis.get(deps.store.keys.claim({ patient: p }))),
  );
  await deps.queues.get('assemble').addBulk(
    patients.map((patient, i) => ({
      name: 'assemble',
      data: { patient },
      opts: { jobId: `a-${patient}-${claims[i] ?? '0'}` },
    })),
  );
}

export async function processMap(job: Job<MapJobData>, deps: IngestDeps): Promise<MapSummary> {
  const summary = await mapItems(job.data.source, job.data.items, deps);
  deps.log.info(
    {
      jobId: job.id,
      items: job.data.items.length,
      mapped: summary.mapped,
      ignored: summary.ignored,
      errors: summary.error,
      patients: summary.patients.length,
    },
    'mapped',
  );
  return summary;
}

export interface AcceptJobResult {
  /** The sender's source: only its tokens may read this status. */
  source: string;
  status: number;
  accept?: Omit<AcceptResult, 'toMap'>;
  outcome?: unknown;
  map?: MapSummary;
}

export async function processAccept(job: Job<AcceptJobData>, deps: IngestDeps): Promise<AcceptJobResult> {
  let result: AcceptJobResult;
  try {
    const accepted = await acceptPayload(job.data.payload, job.data.source, {
      store: deps.store,
      validate: deps.validate,
      jobId: job.id,
      rejects: deps.rejects,
    });
    for (const [k, n] of Object.entries(accepted.tally)) deps.metrics.ingestEntries.inc({ outcome: k }, n);
    const map = await mapItems(job.data.source, accepted.toMap, deps);
    const { toMap: _t, ...rest } = accepted;
    result = { source: job.data.source, status: 200, accept: rest, map };
  } catch (err) {
    if (!(err instanceof FhirError)) throw err; // infrastructure failure: retried by BullMQ
    deps.metrics.ingestEntries.inc({ outcome: 'invalid' });
    result = { source: job.data.source, status: err.status, outcome: err.outcome };
  }
  await deps.store.setIngestStatus(String(job.id), result, deps.statusTtlSeconds);
  deps.log.info(
    { jobId: job.id, status: result.status, entries: result.accept?.entries.length ?? 0 },
    'accepted async payload',
  );
  return result;
}
