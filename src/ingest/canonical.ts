import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal content always serialises (and hashes) the same. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Content fingerprint of a resource: what makes a re-send "the same". Server-assigned meta
 * (versionId, lastUpdated) is excluded so a resource read back and re-posted is unchanged.
 */
export function fingerprint(resource: object): string {
  const { meta, ...rest } = resource as { meta?: Record<string, unknown> };
  let cleanMeta: Record<string, unknown> | undefined;
  if (meta) {
    const { versionId: _v, lastUpdated: _l, ...m } = meta;
    cleanMeta = Object.keys(m).length ? m : undefined;
  }
  return sha256(stableStringify({ ...rest, meta: cleanMeta }));
}
