/**
 * The thin Redis walker under search and export: which scopes a source may see, and a scope's
 * last-updated index read a page at a time (bodies fetched per page, never the whole scope).
 */
import { belongsTo } from '../identity';
import type { Scope } from '../store/keys';
import type { StoredResource, Store } from '../store/store';
import type { Window } from './dates';
import { splitKey, type IndexEntry } from './match';

export const SCAN_PAGE = 500;

/** Operator tools only (CLI): every source. Never a token's source (source ids cannot contain '*'). */
export const ALL_SOURCES = '*';

const sees = (source: string, id: string) => source === ALL_SOURCES || belongsTo(id, source);

/** A source sees the patients whose namespaced id is its own, and its own unscoped resources. */
export async function* visibleScopes(
  store: Store,
  source: string,
  patients?: string[],
): AsyncGenerator<Scope> {
  if (patients) {
    for (const p of patients) if (sees(source, p)) yield { patient: p };
    return;
  }
  for await (const p of store.patients()) if (sees(source, p)) yield { patient: p };
  yield { unscoped: true };
}

export function visibleIn(scope: Scope, key: string, source: string): boolean {
  return 'patient' in scope || sees(source, splitKey(key).id);
}

/**
 * Index entries of one scope inside the window, visible to the source, a page at a time. Pages are
 * cut by score (the next page starts at the last score seen), not by a global offset: a resource
 * updated during the walk leaves the window without shifting the entries not yet read.
 */
export async function* scanIndex(
  store: Store,
  scope: Scope,
  window: Window,
  source: string,
  keep: (e: IndexEntry) => boolean,
): AsyncGenerator<IndexEntry[]> {
  let min = window.min;
  let skip = 0; // entries already read whose score is `min`
  for (;;) {
    const page = await store.lastUpdatedPage(scope, min, window.max, skip, SCAN_PAGE);
    const kept = page.filter((e) => visibleIn(scope, e.key, source) && keep(e));
    if (kept.length) yield kept;
    if (page.length < SCAN_PAGE) return;
    const last = page[page.length - 1].lu;
    const atLast = page.filter((e) => e.lu === last).length;
    skip = last === min ? skip + atLast : atLast;
    min = last;
  }
}

/**
 * Like scanIndex, with the current bodies loaded. A body whose last-updated left the window since
 * its index entry was read (it changed meanwhile) is skipped, as is one deleted meanwhile: an export
 * never contains a version newer than its transactionTime.
 */
export async function* scanResources(
  store: Store,
  scope: Scope,
  window: Window,
  source: string,
  keep: (e: IndexEntry) => boolean,
): AsyncGenerator<StoredResource[]> {
  for await (const entries of scanIndex(store, scope, window, source, keep)) {
    const bodies = await store.getMany(
      scope,
      entries.map((e) => e.key),
    );
    yield bodies.filter((b): b is StoredResource => {
      if (!b) return false;
      const lu = Date.parse(b.lastUpdated);
      return lu >= window.min && lu <= window.max;
    });
  }
}
