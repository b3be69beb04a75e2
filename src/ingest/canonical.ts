import { hash } from 'node:crypto';

/** Objects with at most this many keys sort them by insertion (FHIR elements have a few each). */
const SMALL = 16;

/**
 * JSON with object keys sorted, so equal content always serialises (and hashes) the same. Written as
 * one string-building walk: it runs on every accepted resource (its fingerprint), and the version that
 * filtered, sorted and joined arrays at each level took 2.5× as long. Keys are quoted once each
 * (a bounded cache: element names repeat in every resource), which halved the walk's time again.
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += stableStringify(value[i]);
    }
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = sortedKeys(obj);
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (first) first = false;
    else out += ',';
    out += quoted(k);
    out += ':';
    out += stableStringify(v);
  }
  return out + '}';
}

/** Keys are sender input: the cache stops growing at this size (later keys are quoted each time). */
const MAX_QUOTED = 4096;
const quotedKeys = new Map<string, string>();

function quoted(key: string): string {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quotedKeys.size < MAX_QUOTED) quotedKeys.set(key, q);
  }
  return q;
}

/** Own keys in the order `Array.prototype.sort` gives them (UTF-16 code units). */
export function sortedKeys(obj: object): string[] {
  return sortKeys(Object.keys(obj));
}

/** Sorts `keys` in place as `Array.prototype.sort` does (UTF-16 code units) and returns it. */
export function sortKeys(keys: string[]): string[] {
  if (keys.length > SMALL) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > k; j--) keys[j + 1] = keys[j];
    keys[j + 1] = k;
  }
  return keys;
}

export function sha256(text: string): string {
  return hash('sha256', text, 'hex'); // the one-shot form: half the cost of createHash per call
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

/** What is stored for a resource: its JSON and its fingerprint (see `serialised`). */
export interface Serialised {
  body: string;
  fingerprint: string;
}

/**
 * The JSON to store for `resource` and its `fingerprint`, serialising each top-level element once for
 * both. `nestedSorted` says every object below the root already holds its keys in sorted order (as
 * copyWithReferences builds them), so JSON.stringify of an element IS its canonical form and no
 * second, sorting walk is needed (that walk was ~70 % of namespacing's time per entry). The root
 * keeps the sender's order in the body (resourceType where it was sent) and is sorted for the
 * fingerprint, which therefore equals `fingerprint(resource)` exactly.
 */
export function serialised(resource: object, nestedSorted: boolean): Serialised {
  const r = resource as Record<string, unknown>;
  const meta = r.meta as Record<string, unknown> | undefined;
  // Server meta or an empty meta: `fingerprint` drops them, so it alone gives the same answer.
  const metaAsIs =
    meta === undefined ||
    (meta !== null &&
      typeof meta === 'object' &&
      !Array.isArray(meta) &&
      !Object.hasOwn(meta, 'versionId') &&
      !Object.hasOwn(meta, 'lastUpdated') &&
      Object.keys(meta).length > 0);
  if (!nestedSorted || !metaAsIs)
    return { body: JSON.stringify(resource), fingerprint: fingerprint(resource) };
  const keys = Object.keys(r);
  const parts = new Map<string, string>();
  let body = '{';
  for (const k of keys) {
    const v = r[k];
    if (v === undefined) continue;
    // Parsed JSON has no functions or symbols, which JSON.stringify would answer undefined for.
    const json = JSON.stringify(v) as string | undefined;
    if (json === undefined) continue;
    const part = quoted(k) + ':' + json;
    parts.set(k, part);
    body += body.length > 1 ? ',' + part : part;
  }
  let canonical = '{';
  for (const k of sortKeys([...parts.keys()])) {
    const part = parts.get(k) as string;
    canonical += canonical.length > 1 ? ',' + part : part;
  }
  return { body: body + '}', fingerprint: sha256(canonical + '}') };
}
