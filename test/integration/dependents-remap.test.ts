/**
 * Administrations that read their drug through `medicationReference` are mapped with the Medication
 * as it is stored now, whatever the order of arrival: sent before their Medication, they are mapped
 * again when it arrives; when the Medication is corrected, they are mapped again with the correction.
 * The course and flags then equal those of the same patient charted with the drug coded on each
 * administration (another source, sent once).
 */
import type { Medication, MedicationAdministration } from '@medplum/fhirtypes';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { outputSummary, seed000, seed000Patient } from '../helpers/output-summary';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('dependents');
}, 60_000);
afterAll(() => h.close());

const seed = seed000;
const patientId = seed000Patient;
const outputs = (token: string) => outputSummary(h, patientId, token);

const medication = (rxnorm: string): Medication => ({
  resourceType: 'Medication',
  id: 'bag-1',
  code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: rxnorm }] },
});

const putMedication = async (m: Medication) => {
  const res = await h.request('PUT', '/fhir/Medication/bag-1', { token: TOKENS.hospA, body: m });
  expect(res.status).toBeLessThan(300);
  await h.idle(60_000);
};

/** What is not retracted: a course or flag whose evidence went is kept as entered-in-error. */
const live = (list: string[]) => list.filter((o) => !o.includes(' entered-in-error '));

test('administrations sent before their Medication, then a corrected Medication, give the coded course', async () => {
  expect((await h.request('POST', '/fhir', { token: TOKENS.hospB, body: seed() })).status).toBe(200);
  await h.idle(60_000);
  const coded = await outputs(TOKENS.hospB);
  expect(coded.some((o) => o.startsWith('MedicationStatement'))).toBe(true);
  expect(coded.some((o) => o.startsWith('DetectedIssue'))).toBe(true);

  // The administrations first, each referencing a Medication nobody has sent yet.
  const referencing = seed();
  let administrations = 0;
  for (const e of referencing.entry ?? []) {
    const ma = e.resource as MedicationAdministration;
    if (ma.resourceType !== 'MedicationAdministration' || !ma.medicationCodeableConcept) continue;
    delete ma.medicationCodeableConcept;
    ma.medicationReference = { reference: 'Medication/bag-1' };
    administrations++;
  }
  expect(administrations).toBeGreaterThan(5);
  expect((await h.request('POST', '/fhir', { token: TOKENS.hospA, body: referencing })).status).toBe(200);
  await h.idle(60_000);
  expect((await outputs(TOKENS.hospA)).some((o) => o.startsWith('MedicationStatement'))).toBe(false);

  // The Medication arrives: blinatumomab. Its readers are mapped again.
  await putMedication(medication('1597258'));
  expect(await outputs(TOKENS.hospA)).toEqual(coded);

  // Corrected to another drug: no blinatumomab course is left standing.
  await putMedication(medication('5640'));
  expect(live(await outputs(TOKENS.hospA)).some((o) => o.startsWith('MedicationStatement'))).toBe(false);

  // And back: the course is there again, as coded.
  await putMedication(medication('1597258'));
  expect(live(await outputs(TOKENS.hospA))).toEqual(live(coded));

  // Another hospital's Medication/bag-1 is its own: hospa's administrations do not read it.
  const other = await h.request('PUT', '/fhir/Medication/bag-1', {
    token: TOKENS.hospB,
    body: medication('5640'),
  });
  expect(other.status).toBe(201);
  await h.idle(60_000);
  expect(live(await outputs(TOKENS.hospA))).toEqual(live(coded));
}, 240_000);
