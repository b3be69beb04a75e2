/**
 * Bench workloads: a Synthea-shaped generator (many Encounters, Observations and Conditions per
 * patient, no blinatumomab) and the seed-shaped patients (courses and flags).
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

const LOINC = ['8867-4', '8480-6', '8462-4', '29463-7', '8302-2', '718-7', '6690-2', '777-3'];
const SNOMED = ['44054006', '38341003', '195662009', '10509002', '444814009', '40055000'];

function day(base: number, i: number): string {
  return new Date(Date.UTC(2010, 0, 1) + (base + i) * 86_400_000).toISOString();
}

/** One patient as a batch: `encounters` Encounters, 2 Observations and 0.5 Conditions per Encounter. */
export function syntheaPatient(n: number, encounters: number): Bundle {
  const pid = `sy${n}`;
  const subject = { reference: `Patient/${pid}` };
  const resources: Resource[] = [
    { resourceType: 'Patient', id: pid, gender: 'female', birthDate: '2001-02-03' },
  ];
  for (let e = 0; e < encounters; e++) {
    const enc = `${pid}-e${e}`;
    const when = day(n, e * 7);
    resources.push({
      resourceType: 'Encounter',
      id: enc,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject,
      period: { start: when, end: when },
    });
    for (let o = 0; o < 2; o++) {
      resources.push({
        resourceType: 'Observation',
        id: `${enc}-o${o}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: LOINC[(e + o) % LOINC.length] }] },
        subject,
        encounter: { reference: `Encounter/${enc}` },
        effectiveDateTime: when,
        valueQuantity: {
          value: 50 + ((e * 7 + o) % 90),
          unit: '1',
          system: 'http://unitsofmeasure.org',
          code: '1',
        },
      });
    }
    if (e % 2 === 0) {
      resources.push({
        resourceType: 'Condition',
        id: `${enc}-c`,
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }],
        },
        code: { coding: [{ system: 'http://snomed.info/sct', code: SNOMED[e % SNOMED.length] }] },
        subject,
        encounter: { reference: `Encounter/${enc}` },
        onsetDateTime: when,
      });
    }
  }
  const entry: BundleEntry[] = resources.map((resource) => ({
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
  }));
  return { resourceType: 'Bundle', type: 'batch', entry };
}
