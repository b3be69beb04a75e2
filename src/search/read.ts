/**
 * Read by id with the source's visibility rule: a resource is visible to source S when its patient's
 * id starts with `S.` (unscoped resources: when its own id does). Ids may be given namespaced
 * (`hospa.p1`) or as the source sent them (`p1`).
 */
import { belongsTo, namespacedId } from '../identity';
import { scopeOf } from '../store/keys';
import type { StoredResource, Store } from '../store/store';

/** The current version of `type/id` if the source may see it. */
export async function readVisible(
  store: Store,
  source: string,
  type: string,
  id: string,
): Promise<StoredResource | undefined> {
  const candidates = belongsTo(id, source) ? [id] : [id, namespacedId(source, id)];
  for (const cand of candidates) {
    const key = `${type}/${cand}`;
    const loc = await store.locate(key);
    if (!loc.found) continue;
    const visible = loc.patient ? belongsTo(loc.patient, source) : belongsTo(cand, source);
    if (!visible) continue;
    const [r] = await store.getMany(scopeOf(loc.patient), [key]);
    if (r) return r;
  }
  return undefined;
}
