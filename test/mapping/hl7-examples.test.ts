/**
 * Real HL7 data: the official R4 examples and the mCODE STU4 examples pass through mapResource
 * without an exception; counts per type and status are printed. mCODE patient "brian-l" (paediatric
 * B-ALL) is checked fact by fact.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { mapResource, type MappingResult } from '../../src/mapping';
import { body, mappings, REPO, workerResolve } from './helpers';

const PACKAGES = join(REPO, '.cache', 'fhir-packages');
const R4 = join(PACKAGES, 'hl7.fhir.r4.examples');
const MCODE = join(PACKAGES, 'hl7.fhir.us.mcode', 'example');
const TYPES = [
  'Observation',
  'Condition',
  'Procedure',
  'MedicationAdministration',
  'MedicationRequest',
  'AdverseEvent',
];

function requirePackages(): void {
  if (!existsSync(join(R4, 'package.json')) || !existsSync(MCODE)) {
    throw new Error('HL7 example packages not found: run `bash scripts/fetch-fhir-packages.sh` first');
  }
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Resource;

/** Top-level resources of the mapped types, plus those inside Bundles; Medications as the resolver's store. */
function collect(dir: string): { resources: [string, Resource][]; store: Map<string, Resource> } {
  const resources: [string, Resource][] = [];
  const store = new Map<string, Resource>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const prefix = file.split('-')[0];
    if (![...TYPES, 'Medication', 'Bundle'].includes(prefix)) continue;
    const r = readJson(join(dir, file));
    const inner =
      r.resourceType === 'Bundle'
        ? (r.entry ?? []).map((e) => e.resource).filter((x): x is Resource => !!x)
        : [r];
    for (const x of inner) {
      if (x.resourceType === 'Medication' && x.id) store.set(`Medication/${x.id}`, x);
      if (TYPES.includes(x.resourceType)) resources.push([file, x]);
    }
  }
  return { resources, store };
}

function runAll(dir: string, label: string) {
  const { resources, store } = collect(dir);
  const counts: Record<string, Record<string, number>> = {};
  const results: [string, Resource, MappingResult][] = [];
  const unlisted: string[] = [];
  for (const [file, r] of resources) {
    let result: MappingResult | undefined;
    const resolve = workerResolve(r, (ref) => store.get(ref), unlisted);
    expect(() => {
      result = mapResource(r, { source: 'hl7', mappings, resolve });
    }).not.toThrow();
    const res = result as MappingResult;
    counts[r.resourceType] ??= { mapped: 0, ignored: 0, retracted: 0, error: 0 };
    counts[r.resourceType][res.status] += 1;
    results.push([file, r, res]);
  }
  // Every reference a mapper resolved is one the ingest worker fetches before mapping.
  expect(unlisted).toEqual([]);
  const lines = Object.entries(counts).map(([type, c]) => `  ${type}: ${JSON.stringify(c)}`);
  console.log(`${label}: ${resources.length} resources\n${lines.join('\n')}`);
  return { results, counts, total: resources.length };
}

function checkShape([, r, res]: [string, Resource, MappingResult]): void {
  if (res.status !== 'mapped') expect(res.events).toEqual([]);
  if (res.status === 'error')
    expect(res.issues.some((i) => i.severity === 'error' && (i.expression?.length ?? 0) > 0)).toBe(true);
  for (const e of res.events) {
    expect(e.eventId.startsWith(`${r.resourceType}/${r.id}#${e.kind}`)).toBe(true);
    expect(e.patient).not.toBe('');
    expect(e.source).toMatchObject({ resourceType: r.resourceType, id: r.id });
  }
}

describe('hl7.fhir.r4.examples', () => {
  beforeAll(requirePackages);

  it('every resource of a mapped type maps without an exception, with well-formed results', () => {
    const { results, counts, total } = runAll(R4, 'hl7.fhir.r4.examples');
    expect(total).toBeGreaterThan(250);
    results.forEach(checkShape);
    const sum = Object.values(counts)
      .flatMap((c) => Object.values(c))
      .reduce((a, b) => a + b, 0);
    expect(sum).toBe(total);
    const byId = (file: string) =>
      results.find(([f, r]) => f === file && `${r.resourceType}-${r.id}.json` === file)?.[2];
    expect(byId('Observation-body-temperature.json')?.events.map(body)).toEqual([
      { kind: 'Temperature', celsius: 36.5 },
    ]);
    expect(byId('MedicationAdministration-medadmin0303.json')?.status).toBe('retracted');
    expect(byId('AdverseEvent-example.json')?.status).toBe('ignored');
    // None of the R4 example administrations is a target drug (vancomycin, insulin, alemtuzumab…).
    expect(counts.MedicationAdministration).toEqual({ mapped: 0, ignored: 13, retracted: 1, error: 0 });
  });
});

describe('hl7.fhir.us.mcode examples', () => {
  beforeAll(requirePackages);

  it('every resource of a mapped type maps without an exception', () => {
    const { results } = runAll(MCODE, 'hl7.fhir.us.mcode');
    results.forEach(checkShape);
  });

  describe('patient brian-l (paediatric B-ALL)', () => {
    const brian = (name: string) => {
      const r = readJson(join(MCODE, name));
      return mapResource(r, { source: 'mcode', mappings });
    };

    it('his primary cancer Condition (SNOMED 277571004, B-ALL) maps to a Diagnosis', () => {
      const res = brian('Condition-primary-cancer-condition-brian-l.json');
      expect(res.events).toEqual([
        {
          kind: 'Diagnosis',
          eventId: 'Condition/primary-cancer-condition-brian-l#Diagnosis',
          patient: 'cancer-patient-brian-l',
          source: { resourceType: 'Condition', id: 'primary-cancer-condition-brian-l' },
          at: '2024-01-01',
          relapse: false,
          remission: false,
        },
      ]);
    });

    it.each([
      ['idarubicin', '5650'],
      ['prednisone', '8640'],
      ['vincristine', '11202'],
    ])(
      'his %s administration is recognised as a non-target drug: ignored, with its RxNorm code',
      (drug, code) => {
        const res = brian(`MedicationAdministration-cancer-related-medication-admin-${drug}-brian-l.json`);
        expect(res.status).toBe('ignored');
        expect(res.issues).toEqual([
          {
            severity: 'information',
            code: 'informational',
            diagnostics: `MedicationAdministration: not a target drug (http://www.nlm.nih.gov/research/umls/rxnorm|${code})`,
          },
        ]);
      },
    );

    it('his immunophenotype (101119-6, "positive for … CD19 …") gives CD19 positive on blasts', () => {
      expect(brian('Observation-immunophenotype-brian-l.json').events.map(body)).toEqual([
        { kind: 'Cd19Expression', level: 'positive' },
      ]);
    });

    it('his disease status (97509-4) is improved', () => {
      expect(brian('Observation-cancer-disease-status-improved-brian-l.json').events.map(body)).toEqual([
        { kind: 'DiseaseStatus', status: 'improved' },
      ]);
    });

    it('his ETV6-RUNX1 fusion (69548-6, genes HGNC:3495/10471) is not a KMT2A rearrangement', () => {
      expect(brian('Observation-gx-genomic-variant-fusion-ETV6-RUNX1-brian-l.json').status).toBe('ignored');
    });

    it('his WBC 88.5 ×10³/µL is 88.5 ×10⁹/L', () => {
      expect(brian('Observation-white-blood-cell-brian-l.json').events.map(body)).toEqual([
        { kind: 'CountResult', analyte: 'wbc', value10e9PerL: 88.5 },
      ]);
    });
  });
});
