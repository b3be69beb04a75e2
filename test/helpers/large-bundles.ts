/**
 * Large payloads for the memory tests: a Synthea-shaped patient of 981 entries, each but the Patient
 * with a ~9 kB narrative, ~8.9 MB as JSON. `n` picks the patient (its own ids).
 */
import type { Bundle } from '@medplum/fhirtypes';
import { syntheaPatient } from '../../scripts/bench-workloads';

export function narrativeBundle(n: number): Bundle {
  const bundle = syntheaPatient(n, 280);
  const div = `<div xmlns="http://www.w3.org/1999/xhtml"><p>${'narrative text '.repeat(600)}</p></div>`;
  for (const e of bundle.entry ?? []) {
    if (e.resource && e.resource.resourceType !== 'Patient')
      (e.resource as { text?: unknown }).text = { status: 'generated', div };
  }
  return bundle;
}
