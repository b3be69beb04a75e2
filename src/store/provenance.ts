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

/** Saves Provenances of one patient's outputs in one round trip; answers each one's outcome. */
export async function saveProvenances(store: Store, patient: string, list: Provenance[]): Promise<string[]> {
  const applied = await store.upsertSources(
    list.map((p) => {
      const { recorded: _recorded, ...stable } = p;
      return { key: `Provenance/${p.id}`, patient, resource: p, fingerprint: fingerprint(stable) };
    }),
  );
  return applied.map((a) => a.outcome);
}
