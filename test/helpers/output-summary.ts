/**
 * What a patient's courses and flags say, as one source reads them over HTTP: each output's type,
 * status and code, without ids and processing dates (the same for two sources charting one patient).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { SAMPLES_DIR } from '../../src/samples';
import type { Harness } from './harness';

/** A fresh copy of the sample patient seed-000, and that patient's id. */
export const seed000 = () => JSON.parse(readFileSync(join(SAMPLES_DIR, 'seed-000.json'), 'utf8')) as Bundle;
export const seed000Patient = seed000().entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!
  .id!;

export async function outputSummary(h: Harness, patientId: string, token: string): Promise<string[]> {
  const out: string[] = [];
  for (const type of ['MedicationStatement', 'DetectedIssue']) {
    const res = await h.request('GET', `/fhir/${type}?patient=${patientId}`, { token });
    expect(res.status).toBe(200);
    for (const e of res.body.entry ?? []) {
      const r = e.resource;
      out.push(`${type} ${r.status} ${JSON.stringify(r.code ?? r.medicationCodeableConcept)}`);
    }
  }
  return out.sort();
}
