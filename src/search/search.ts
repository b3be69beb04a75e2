/**
 * Search over the store: walk the visible scopes' last-updated indexes, keep matching index entries
 * (bodies read only for body criteria), sort and page them, then read the page's bodies.
 * Memory: one small entry per match, never the bodies of more than one scan page.
 */
import type { Scope } from '../store/keys';
import type { StoredResource, Store } from '../store/store';
import { bodyMatches, keyMatches, needsBody, originMatches, pageOf, type IndexEntry } from './match';
import type { SearchCriteria } from './params';
import { scanIndex, scanResources, visibleScopes } from './scan';

export interface SearchResult {
  total: number;
  page: StoredResource[];
}

interface Hit extends IndexEntry {
  scope: Scope;
}

export async function searchStore(store: Store, source: string, c: SearchCriteria): Promise<SearchResult> {
  const hits: Hit[] = [];
  const keep = (e: IndexEntry) => keyMatches(e, c);
  // A Patient search by _id reads only those patients' scopes.
  const only = c.patient ? [c.patient] : c.type === 'Patient' && c.ids ? c.ids : undefined;
  for await (const scope of visibleScopes(store, source, only)) {
    if (needsBody(c)) {
      for await (const batch of scanResources(store, scope, c.lastUpdated, source, keep)) {
        for (const r of batch)
          if (bodyMatches(r.resource, c) && originMatches(r, c))
            hits.push({ key: r.key, lu: Date.parse(r.lastUpdated), scope });
      }
    } else {
      for await (const batch of scanIndex(store, scope, c.lastUpdated, source, keep))
        for (const e of batch) hits.push({ ...e, scope });
    }
  }
  if (c.summaryCount) return { total: hits.length, page: [] };
  const page = pageOf(hits, c);
  const bodies = await Promise.all(page.map(async (h) => (await store.getMany(h.scope, [h.key]))[0]));
  return { total: hits.length, page: bodies.filter((b): b is StoredResource => !!b) };
}
