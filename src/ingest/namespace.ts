/**
 * Moves a sender's resources into its source namespace: ids become `<source>.<id>`, relative and
 * bundle-internal (`urn:uuid:`) references are rewritten to the namespaced `Type/id`, the sender's
 * `meta.versionId` is kept aside (it is an idempotency hint, not our version). Resources sent without
 * an id get one derived from their content, so re-sending the same bundle creates nothing new.
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { FHIR_ID, namespacedId } from '../identity';
import { issue } from '../fhir/outcome';
import { spellSteps } from '../validation/fhirpath-expression';
import { fingerprint, sha256, stableStringify } from './canonical';
import type { IncomingEntry } from './entries';

export const SOURCE_TAG_SYSTEM = 'http://bitebridge.dev/fhir/sid/source';

export interface PreparedResource {
  index: number;
  /** `Type/<namespaced id>` */
  key: string;
  resource: Resource;
  /** The sender's meta.versionId and meta.lastUpdated (ms), when given: they order versions. */
  clientVersionId?: string;
  clientLastUpdatedMs?: number;
  fingerprint: string;
  /** Namespaced patient id this resource belongs to, when it has one. */
  patient?: string;
}

const RELATIVE_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

function localIdFor(entry: IncomingEntry): string {
  if (entry.localId) return entry.localId;
  // Content-derived: same content → same id, so an id-less re-send is a no-op.
  return `h${sha256(stableStringify(entry.resource)).slice(0, 31)}`;
}

/**
 * A copy of `node` (parsed JSON) in which every `reference` string outside `contained` is rewritten by
 * `resolve` (undefined: kept as sent; null: kept, and an issue at its path). One walk, where a JSON
 * round trip and then a rewrite walk took five times as long; a path is spelled out only for an issue.
 */
export function copyWithReferences(
  node: unknown,
  resolve: (ref: string) => string | undefined | null,
  onUnresolved: (steps: Array<string | number>) => void,
  steps: Array<string | number> = [],
  inContained = false,
): unknown {
  // As JSON keeps it: -0 is written as 0 (JSON.parse reads a sender's "-0" as -0).
  if (node === null || typeof node !== 'object') return node === 0 ? 0 : node;
  if (Array.isArray(node)) {
    const out: unknown[] = new Array(node.length);
    for (let i = 0; i < node.length; i++) {
      steps.push(i);
      // As JSON keeps it: an array hole or undefined item is null.
      out[i] = copyWithReferences(node[i], resolve, onUnresolved, steps, inContained) ?? null;
      steps.pop();
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(node)) {
    const v = (node as Record<string, unknown>)[k];
    if (v === undefined) continue;
    let copy: unknown;
    if (!inContained && k === 'reference' && typeof v === 'string') {
      const to = resolve(v);
      if (to === null) onUnresolved([...steps, k]);
      copy = to ?? v;
    } else {
      steps.push(k);
      copy = copyWithReferences(v, resolve, onUnresolved, steps, inContained || k === 'contained');
      steps.pop();
    }
    // A plain assignment of "__proto__" would set the prototype instead (the edge refuses such keys).
    if (k === '__proto__') Object.defineProperty(out, k, { value: copy, enumerable: true, writable: true });
    else out[k] = copy;
  }
  return out;
}

export function patientOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  const r = resource as { subject?: { reference?: string }; patient?: { reference?: string } };
  const ref = r.subject?.reference ?? r.patient?.reference;
  const m = ref ? /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref) : null;
  return m ? m[1] : undefined;
}

/**
 * Prepares entries for storage. Entries are deep-copied; the input is not modified.
 * Returns per-entry issues (keyed by request index) for ids that overflow or references that dangle.
 */
export function namespaceEntries(
  entries: IncomingEntry[],
  source: string,
): { prepared: PreparedResource[]; issues: Map<number, OperationOutcomeIssue[]> } {
  const issues = new Map<number, OperationOutcomeIssue[]>();
  const byFullUrl = new Map<string, string>();
  const ids = entries.map((e) => namespacedId(source, localIdFor(e)));
  entries.forEach((e, i) => {
    if (e.fullUrl) byFullUrl.set(e.fullUrl, `${e.resource.resourceType}/${ids[i]}`);
  });
  const resolve = (ref: string): string | undefined | null => {
    if (ref.startsWith('#')) return undefined;
    if (byFullUrl.has(ref)) return byFullUrl.get(ref);
    if (ref.startsWith('urn:uuid:') || ref.startsWith('urn:oid:')) return null;
    const m = RELATIVE_REF.exec(ref);
    if (m) return `${m[1]}/${namespacedId(source, m[2])}${m[3] ?? ''}`;
    return undefined; // absolute URL to another server: left as sent
  };

  const prepared: PreparedResource[] = [];
  entries.forEach((e, i) => {
    const at = `Bundle.entry[${e.index}].resource`;
    const entryIssues: OperationOutcomeIssue[] = [];
    const id = ids[i];
    if (!FHIR_ID.test(id)) {
      entryIssues.push(
        issue('value', `Namespaced id exceeds 64 characters (source "${source}" + "." + id)`, `${at}.id`),
      );
    }
    const copy = copyWithReferences(e.resource, resolve, (steps) =>
      entryIssues.push(
        issue('not-found', 'Reference to a bundle entry that does not exist', spellSteps(at, steps)),
      ),
    ) as Resource & { meta?: Resource['meta'] };
    if (entryIssues.length) {
      issues.set(e.index, entryIssues);
      return;
    }
    copy.id = id;
    const clientVersionId = copy.meta?.versionId;
    const sentAt = copy.meta?.lastUpdated ? Date.parse(copy.meta.lastUpdated) : NaN;
    const meta = { ...(copy.meta ?? {}) };
    delete meta.versionId;
    delete meta.lastUpdated;
    const tags = (meta.tag ?? []).filter((t) => t.system !== SOURCE_TAG_SYSTEM);
    meta.tag = [...tags, { system: SOURCE_TAG_SYSTEM, code: source }];
    copy.meta = meta;
    prepared.push({
      index: e.index,
      key: `${copy.resourceType}/${id}`,
      resource: copy,
      clientVersionId,
      clientLastUpdatedMs: Number.isFinite(sentAt) ? sentAt : undefined,
      fingerprint: fingerprint(copy),
      patient: patientOf(copy),
    });
  });
  return { prepared, issues };
}
