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
import { serialised, sha256, sortedKeys, stableStringify } from './canonical';
import type { IncomingEntry } from './entries';

export const SOURCE_TAG_SYSTEM = 'http://bitebridge.dev/fhir/sid/source';

export interface PreparedResource {
  index: number;
  /** `Type/<namespaced id>` */
  key: string;
  resource: Resource;
  /** `resource` as stored (JSON), serialised once with its fingerprint. */
  body: string;
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

interface CopyWalk {
  resolve: (ref: string) => string | undefined | null;
  onUnresolved: (steps: Array<string | number>) => void;
  steps: Array<string | number>;
  /** A key starting with a digit was copied: it may be listed out of sorted order. */
  digitKey: boolean;
}

/**
 * A copy of `node` (parsed JSON) in which every `reference` string outside `contained` is rewritten by
 * `resolve` (undefined: kept as sent; null: kept, and an issue at its path). One walk, where a JSON
 * round trip and then a rewrite walk took five times as long; a path is spelled out only for an issue.
 * Every object below the root holds its keys in sorted order, so JSON.stringify of each top-level
 * element is its canonical form (canonical.ts `serialised`), except where a key looks like an array
 * index: JS lists those first whatever the order they were set in (`sorted` is false then).
 * The root keeps the order sent (resourceType first, as senders put it).
 */
export function copyWithReferences(
  node: unknown,
  resolve: (ref: string) => string | undefined | null,
  onUnresolved: (steps: Array<string | number>) => void,
): { copy: unknown; sorted: boolean } {
  const walk: CopyWalk = { resolve, onUnresolved, steps: [], digitKey: false };
  const copy = copyNode(node, walk, false, true);
  return { copy, sorted: !walk.digitKey };
}

/** `root`: the resource itself keeps its keys in the order sent (serialised sorts them for the hash). */
function copyNode(node: unknown, walk: CopyWalk, inContained: boolean, root = false): unknown {
  // As JSON keeps it: -0 is written as 0 (JSON.parse reads a sender's "-0" as -0).
  if (node === null || typeof node !== 'object') return node === 0 ? 0 : node;
  const steps = walk.steps;
  if (Array.isArray(node)) {
    const out: unknown[] = new Array(node.length);
    for (let i = 0; i < node.length; i++) {
      steps.push(i);
      // As JSON keeps it: an array hole or undefined item is null.
      out[i] = copyNode(node[i], walk, inContained) ?? null;
      steps.pop();
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of root ? Object.keys(node) : sortedKeys(node)) {
    const v = (node as Record<string, unknown>)[k];
    if (v === undefined) continue;
    const first = k.charCodeAt(0);
    if (!root && first >= 48 && first <= 57) walk.digitKey = true;
    let copy: unknown;
    if (!inContained && k === 'reference' && typeof v === 'string') {
      const to = walk.resolve(v);
      if (to === null) walk.onUnresolved([...steps, k]);
      copy = to ?? v;
    } else {
      steps.push(k);
      copy = copyNode(v, walk, inContained || k === 'contained');
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
    const { copy: copied, sorted } = copyWithReferences(e.resource, resolve, (steps) =>
      entryIssues.push(
        issue('not-found', 'Reference to a bundle entry that does not exist', spellSteps(at, steps)),
      ),
    );
    const copy = copied as Resource & { meta?: Resource['meta'] };
    if (entryIssues.length) {
      issues.set(e.index, entryIssues);
      return;
    }
    copy.id = id;
    const clientVersionId = copy.meta?.versionId;
    const sentAt = copy.meta?.lastUpdated ? Date.parse(copy.meta.lastUpdated) : NaN;
    // Only an object meta is rebuilt in sorted order (validation refuses any other, but the
    // fingerprint must not depend on it: a string meta would spread into index-like keys).
    const sentMeta: unknown = copy.meta;
    const plainMeta =
      sentMeta === undefined ||
      (sentMeta !== null && typeof sentMeta === 'object' && !Array.isArray(sentMeta));
    const { versionId: _v, lastUpdated: _l, ...kept } = copy.meta ?? {};
    const tags = (kept.tag ?? []).filter((t) => t.system !== SOURCE_TAG_SYSTEM);
    kept.tag = [...tags, { code: source, system: SOURCE_TAG_SYSTEM }]; // keys sorted, as the copy's
    // Rebuilt in sorted key order: the tag may be a new key (see `serialised`).
    copy.meta = Object.fromEntries(sortedKeys(kept).map((k) => [k, (kept as Record<string, unknown>)[k]]));
    const stored = serialised(copy, sorted && plainMeta);
    prepared.push({
      index: e.index,
      key: `${copy.resourceType}/${id}`,
      resource: copy,
      body: stored.body,
      clientVersionId,
      clientLastUpdatedMs: Number.isFinite(sentAt) ? sentAt : undefined,
      fingerprint: stored.fingerprint,
      patient: patientOf(copy),
    });
  });
  return { prepared, issues };
}
