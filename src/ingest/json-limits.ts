/**
 * Structural limits checked right after JSON.parse (which fastify's secure parser already guards
 * against `__proto__` / `constructor.prototype` poisoning): nesting depth, Bundle entries, items per
 * array or members per object, and string length. One iterative pass, so a hostile body can neither
 * blow the stack nor cost more than its size; every later stage (validation, mapping, storage) can
 * rely on these bounds.
 */
import { FhirError, issue } from '../fhir/outcome';

export interface JsonLimits {
  /** Nesting depth of objects and arrays (the root object is depth 1). */
  maxDepth: number;
  /** Entries of one Bundle (`Bundle.entry`), nested Bundles each counted on their own. */
  maxBundleEntries: number;
  /** Items of any other array, and members of any object. */
  maxArrayLength: number;
  /** Characters of any string value or member name. */
  maxStringLength: number;
}

/** Defaults; config.ts reads each from the environment variable named in LIMIT_ENV. */
export const DEFAULT_JSON_LIMITS: JsonLimits = {
  maxDepth: 64,
  maxBundleEntries: 1000,
  maxArrayLength: 1000,
  maxStringLength: 256 * 1024,
};

export const LIMIT_ENV: Record<keyof JsonLimits, string> = {
  maxDepth: 'JSON_DEPTH_LIMIT',
  maxBundleEntries: 'MAX_BUNDLE_ENTRIES',
  maxArrayLength: 'MAX_ARRAY_LENGTH',
  maxStringLength: 'MAX_STRING_LENGTH',
};

export interface LimitBreach {
  limit: keyof JsonLimits;
  max: number;
  /** What was found, at least max + 1 (counting stops at the first breach). */
  found: number;
  /** FHIRPath-like location, e.g. `Bundle.entry[3].resource.name[0].given`. */
  path: string;
}

/**
 * Nesting depth of a parsed JSON value, counting stops once past `limit`.
 * Kept for callers that check depth alone.
 */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
    }
  }
  return max;
}

interface Frame {
  value: object;
  depth: number;
  parent: number;
  key: string | number;
}

function pathOf(frames: Frame[], at: number, rootName: string, tail?: string | number): string {
  const parts: Array<string | number> = tail === undefined ? [] : [tail];
  for (let i = at; i > 0; i = frames[i].parent) parts.push(frames[i].key);
  return parts.reduceRight<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : `${p}.${k}`), rootName);
}

const isBundle = (o: object) => (o as { resourceType?: unknown }).resourceType === 'Bundle';

/** The first limit a parsed JSON value breaks, or undefined. Linear in the value's size. */
export function findLimitBreach(value: unknown, limits: JsonLimits): LimitBreach | undefined {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'string' && value.length > limits.maxStringLength
      ? { limit: 'maxStringLength', max: limits.maxStringLength, found: value.length, path: '$' }
      : undefined;
  }
  const rt = (value as { resourceType?: unknown }).resourceType;
  const rootName = typeof rt === 'string' && rt.length <= 64 ? rt : '$';
  // Frames are kept (not popped) so a breach can name its path by walking parents.
  const frames: Frame[] = [{ value, depth: 1, parent: -1, key: '' }];
  const todo: number[] = [0];
  while (todo.length) {
    const at = todo.pop() as number;
    const { value: node, depth } = frames[at];
    const breach = (limit: keyof JsonLimits, found: number, tail?: string | number): LimitBreach => ({
      limit,
      max: limits[limit],
      found,
      path: pathOf(frames, at, rootName, tail),
    });
    if (depth > limits.maxDepth) return breach('maxDepth', depth);
    const visit = (child: unknown, key: string | number): LimitBreach | undefined => {
      if (typeof child === 'string') {
        if (child.length > limits.maxStringLength) return breach('maxStringLength', child.length, key);
      } else if (child !== null && typeof child === 'object') {
        frames.push({ value: child, depth: depth + 1, parent: at, key });
        todo.push(frames.length - 1);
      }
      return undefined;
    };
    if (Array.isArray(node)) {
      const entries = frames[at].key === 'entry' && at > 0 && isBundle(frames[frames[at].parent].value);
      const limit = entries ? 'maxBundleEntries' : 'maxArrayLength';
      if (node.length > limits[limit]) return breach(limit, node.length);
      for (let i = 0; i < node.length; i++) {
        const b = visit(node[i], i);
        if (b) return b;
      }
    } else {
      let members = 0;
      for (const key in node) {
        if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
        if (++members > limits.maxArrayLength) return breach('maxArrayLength', members);
        if (key.length > limits.maxStringLength) return breach('maxStringLength', key.length);
        const b = visit((node as Record<string, unknown>)[key], key);
        if (b) return b;
      }
    }
  }
  return undefined;
}

const WHAT: Record<keyof JsonLimits, string> = {
  maxDepth: 'JSON nesting depth',
  maxBundleEntries: 'entries in a Bundle',
  maxArrayLength: 'items in an array (or members in an object)',
  maxStringLength: 'characters in a string',
};

/** The 413 answer for a breach: names the limit, its value and the setting that raises it. */
export function limitError(b: LimitBreach): FhirError {
  const over = b.limit === 'maxDepth' ? `deeper than ${b.max}` : `more than ${b.max}`;
  return new FhirError(
    413,
    issue(
      'too-costly',
      `Request exceeds the limit on ${WHAT[b.limit]}: ${over} (limit ${LIMIT_ENV[b.limit]}=${b.max}). Nothing was accepted; split or shorten the request.`,
      b.path,
    ),
  );
}
