/**
 * A pointer back to the exact source resource (and version) a derived fact came from.
 * Every event, course fact and flag carries these so a clinician can trace a flag to its data.
 *
 * `id` is the *namespaced* id (`<source>.<local id>`, see src/identity), so references from two
 * hospitals never collide.
 */
export interface SourceRef {
  resourceType: string;
  id: string;
  versionId?: string;
}

export function refKey(ref: SourceRef): string {
  return `${ref.resourceType}/${ref.id}`;
}

export function refToReference(ref: SourceRef): { reference: string } {
  return { reference: refKey(ref) };
}

/** Stable sort + de-duplication of references, so derived outputs do not depend on input order. */
export function uniqueRefs(refs: Iterable<SourceRef>): SourceRef[] {
  const byKey = new Map<string, SourceRef>();
  for (const r of refs) {
    const k = refKey(r);
    const prev = byKey.get(k);
    // Keep the highest version seen; versions are compared as strings of the stored version counter.
    if (!prev || (r.versionId ?? '') > (prev.versionId ?? '')) byKey.set(k, r);
  }
  return [...byKey.values()].sort((a, b) => (refKey(a) < refKey(b) ? -1 : refKey(a) > refKey(b) ? 1 : 0));
}
