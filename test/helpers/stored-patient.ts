/**
 * A seed patient stored with its mapped events, as the ingest worker leaves it (one resource at a
 * time, then its events): for tests that start at the assemble step.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Clinical } from '../../src/clinical';
import { parsePayload } from '../../src/ingest/entries';
import { namespaceEntries } from '../../src/ingest/namespace';
import { SAMPLES_DIR } from '../../src/samples';
import type { Store } from '../../src/store/store';

/** Stores the sample `file` under `source`; answers the namespaced patient id. */
export async function storeSamplePatient(
  store: Store,
  clinical: Clinical,
  source: string,
  file: string,
): Promise<string> {
  const bundle = JSON.parse(readFileSync(join(SAMPLES_DIR, file), 'utf8')) as Bundle;
  const prepared = namespaceEntries(parsePayload(bundle).entries, source).prepared;
  const byRef = new Map<string, Resource>(prepared.map((p) => [p.key, p.resource]));
  const saves = [];
  for (const p of prepared) {
    const applied = await store.upsertSource(p);
    const events = clinical.map(p.resource, source, (ref) => byRef.get(ref)).events;
    saves.push({ patient: p.patient, key: p.key, versionId: applied.versionId, events });
  }
  await store.saveEventsMany(saves);
  return prepared.find((p) => p.resource.resourceType === 'Patient')!.patient!;
}
