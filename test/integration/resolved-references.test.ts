/**
 * Mapping that needs another stored resource: blinatumomab charted as `medicationReference` to a
 * Medication the hospital sent in an earlier Bundle. The ingest worker fetches the referenced
 * Medication from the store before mapping, so the course and its flags are exactly those of the same
 * patient charted with `medicationCodeableConcept`.
 */
import type { MedicationAdministration } from '@medplum/fhirtypes';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { outputSummary, seed000, seed000Patient } from '../helpers/output-summary';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('resolved-refs');
}, 60_000);
afterAll(() => h.close());

const seed = seed000;
const patientId = seed000Patient;
const outputs = (token: string) => outputSummary(h, patientId, token);

test('a Medication stored earlier resolves for administrations that reference it', async () => {
  // Source hospb: as charted, the drug coded on each administration.
  expect((await h.request('POST', '/fhir', { token: TOKENS.hospB, body: seed() })).status).toBe(200);

  // Source hospa: the Medication first, in a Bundle of its own; then administrations referencing it.
  const medication = {
    resourceType: 'Medication',
    id: 'blin-bag',
    code: {
      coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1597258' }],
    },
  };
  const first = await h.request('POST', '/fhir', {
    token: TOKENS.hospA,
    body: {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ resource: medication, request: { method: 'PUT', url: 'Medication/blin-bag' } }],
    },
  });
  expect(first.body.entry[0].response.status).toMatch(/^201/);
  const referencing = seed();
  let administrations = 0;
  for (const e of referencing.entry ?? []) {
    const ma = e.resource as MedicationAdministration;
    if (ma.resourceType !== 'MedicationAdministration' || !ma.medicationCodeableConcept) continue;
    delete ma.medicationCodeableConcept;
    ma.medicationReference = { reference: 'Medication/blin-bag' };
    administrations++;
  }
  expect(administrations).toBeGreaterThan(5);
  expect((await h.request('POST', '/fhir', { token: TOKENS.hospA, body: referencing })).status).toBe(200);
  await h.idle(60_000);

  const coded = await outputs(TOKENS.hospB);
  expect(coded.some((o) => o.startsWith('MedicationStatement'))).toBe(true);
  expect(coded.some((o) => o.startsWith('DetectedIssue'))).toBe(true);
  expect(await outputs(TOKENS.hospA)).toEqual(coded);
}, 120_000);
