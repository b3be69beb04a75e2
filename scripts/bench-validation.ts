/**
 * Validation timings (informative, no thresholds): definition load, JSON Schema compile, profiles
 * load, and throughput of a 50-entry transaction Bundle and of course outputs.
 *   node -r ts-node/register/transpile-only scripts/bench-validation.ts
 */
import { performance } from 'node:perf_hooks';
import { loadFhirDefinitions } from '../src/validation/fhir-definitions';
import { loadFhirJsonSchema } from '../src/validation/fhir-json-schema';
import { assertValidOutput, loadProfiles, validateBundle, validateResource } from '../src/validation';
import { minimalCourse } from '../test/validation/profile-fixtures';

function timed<T>(label: string, run: () => T): T {
  const t0 = performance.now();
  const out = run();
  console.log(`${label}: ${(performance.now() - t0).toFixed(0)} ms`);
  return out;
}

function entry(i: number): unknown {
  const resource =
    i % 2 === 0
      ? {
          resourceType: 'Observation',
          id: `o${i}`,
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '11150-0' }] },
          subject: { reference: 'Patient/p1' },
          effectiveDateTime: '2024-01-02T08:00:00Z',
          valueQuantity: { value: i, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
        }
      : {
          resourceType: 'MedicationAdministration',
          id: `m${i}`,
          status: 'completed',
          medicationCodeableConcept: {
            coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1597258' }],
          },
          subject: { reference: 'Patient/p1' },
          effectivePeriod: { start: '2024-01-01T08:00:00Z', end: '2024-01-02T08:00:00Z' },
          dosage: {
            rateQuantity: { value: 28, unit: 'ug/d', system: 'http://unitsofmeasure.org', code: 'ug/d' },
          },
        };
  return {
    fullUrl: `urn:uuid:00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    resource,
    request: { method: 'PUT', url: `x/${i}` },
  };
}

function rate(label: string, n: number, run: () => void): void {
  for (let i = 0; i < Math.min(50, n); i++) run(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) run();
  const ms = (performance.now() - t0) / n;
  console.log(`${label}: ${ms.toFixed(2)} ms each, ${(1000 / ms).toFixed(0)}/s`);
}

timed('FHIR definitions load', loadFhirDefinitions);
timed('JSON Schema compile', loadFhirJsonSchema);
timed('profiles load + checks', () => loadProfiles());
const bundle = {
  resourceType: 'Bundle',
  type: 'transaction',
  entry: Array.from({ length: 50 }, (_, i) => entry(i)),
};
if (validateBundle(bundle).entries.some((e) => e.length > 0)) throw new Error('bench bundle should be valid');
rate('validateBundle, 50 entries', 300, () => validateBundle(bundle));
rate('validateResource(whole 50-entry Bundle)', 300, () => validateResource(bundle));
rate('assertValidOutput(course)', 1000, () => assertValidOutput(minimalCourse()));
