/**
 * Searchset paging links. The cursor is `_offset` into the stable (last-updated, key) order; see
 * README "Registry exports" for what happens when resources change between pages.
 */
import type { BundleLink } from '@medplum/fhirtypes';
import type { Query, SearchCriteria } from './params';

function queryString(q: Query, offset: number, count: number): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (k === '_offset' || k === '_count' || v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) sp.append(k, x);
  }
  sp.set('_count', String(count));
  sp.set('_offset', String(offset));
  return sp.toString();
}

export function pageLinks(base: string, q: Query, c: SearchCriteria, total: number): BundleLink[] {
  const url = (offset: number) => `${base}/fhir/${c.type}?${queryString(q, offset, c.count)}`;
  const links: BundleLink[] = [{ relation: 'self', url: url(c.offset) }];
  if (c.count > 0 && c.offset + c.count < total)
    links.push({ relation: 'next', url: url(c.offset + c.count) });
  if (c.count > 0 && c.offset > 0)
    links.push({ relation: 'previous', url: url(Math.max(0, c.offset - c.count)) });
  return links;
}
