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

/** Index entries of one scope inside the window, visible to the source, a page at a time. */
export async function* scanIndex(
  store: Store,
  scope: Scope,
  window: Window,
  source: string,
  keep: (e: IndexEntry) => boolean,
): AsyncGenerator<IndexEntry[]> {
  for (let offset = 0; ; offset += SCAN_PAGE) {
    const page = await store.lastUpdatedPage(scope, window.min, window.max, offset, SCAN_PAGE);
    const kept = page.filter((e) => visibleIn(scope, e.key, source) && keep(e));
    if (kept.length) yield kept;
    if (page.length < SCAN_PAGE) return;
  }
}

/** Like scanIndex, with the current bodies loaded (entries deleted meanwhile are skipped). */
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
    yield bodies.filter((b): b is StoredResource => !!b);
  }
}
