/**
 * Provenance storage: one Provenance per output version, kept like a source resource in the
 * output's patient scope, so read, search (`Provenance?patient=…`, `?target=…`) and `$export`
 * (`_type=Provenance`) see it with the same source scoping as everything else.
 *
 * The id is derived from the output key and version and the fingerprint leaves out `recorded`, so a
 * re-run (or two runs at once) of the same assemble stores nothing new: the first Provenance stays.
 */
import type { Provenance } from '@medplum/fhirtypes';
import { fingerprint } from '../ingest/canonical';
import type { Store } from './store';

export async function saveProvenance(store: Store, patient: string, p: Provenance): Promise<string> {
  const { recorded: _recorded, ...stable } = p;
  const res = await store.upsertSource({
    key: `Provenance/${p.id}`,
    patient,
    resource: p,
    fingerprint: fingerprint(stable),
  });
  return res.outcome;
}
