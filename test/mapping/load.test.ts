/** loadMappings: per-source ConceptMaps (a data change, no code change) and loud failure on bad data. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMappings, mapResource, MappingDataError, type MappingSet } from '../../src/mapping';
import {
  administration,
  cc,
  LOINC,
  MAPPINGS_DIR,
  mappings,
  observation,
  only,
  procedure,
  qty,
} from './helpers';

const LAB = 'http://example-hospital.org/fhir/CodeSystem/lab';
const PHARMACY = 'http://example-hospital.org/fhir/CodeSystem/pharmacy';
const run = (r: unknown, source: string, m: MappingSet = mappings) =>
  mapResource(r as never, { source, mappings: m });

describe('the shipped example source (mappings/sources/example-hospital.json)', () => {
  it('its local MRD code maps to MRD, for that source only', () => {
    const obs = observation(cc(LAB, 'FLOW-MRD-BM'), { valueQuantity: qty(0.02, '%') });
    expect(only(run(obs, 'example-hospital'))).toMatchObject({
      kind: 'MrdResult',
      fraction: 0.0002,
      detected: true,
    });
    expect(run(obs, 'another-hospital').status).toBe('ignored');
  });
  it('its local blinatumomab code maps to blinatumomab', () => {
    const ma = administration(cc(PHARMACY, 'BLIN-35UG'), { dosage: { rateQuantity: qty(9, 'ug/d') } });
    expect(only(run(ma, 'example-hospital'))).toMatchObject({ kind: 'BlinatumomabInfusion', mcgPerDay: 9 });
  });
  it('a ConceptMap product sets an attribute (allogeneic HSCT)', () => {
    const p = procedure(cc('http://example-hospital.org/fhir/CodeSystem/procedure', 'ALLO-SCT'));
    expect(only(run(p, 'example-hospital'))).toMatchObject({ kind: 'Hsct', transplantType: 'allogeneic' });
  });
});

describe('data directory changes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bb-mappings-'));
    cpSync(MAPPINGS_DIR, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const conceptMap = (elements: unknown[], extra: Record<string, unknown> = {}) => ({
    resourceType: 'ConceptMap',
    status: 'active',
    group: [
      { source: 'urn:local:lab', target: 'http://bitebridge.dev/fhir/CodeSystem/concept', element: elements },
    ],
    ...extra,
  });
  const el = (code: string, target: string) => ({
    code,
    target: [{ code: target, equivalence: 'equivalent' }],
  });
  const writeSource = (name: string, content: unknown) =>
    writeFileSync(join(dir, 'sources', `${name}.json`), JSON.stringify(content));
  const editJson = (file: string, edit: (d: Record<string, unknown>) => void) => {
    const d = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    edit(d);
    writeFileSync(join(dir, file), JSON.stringify(d));
  };
  const problemsOf = (): string[] => {
    try {
      loadMappings(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(MappingDataError);
      return (e as MappingDataError).problems;
    }
    throw new Error('loadMappings accepted malformed data');
  };

  it('a new hospital file adds its local code; it can also re-map a shipped code for that source only', () => {
    writeSource('new-hospital', conceptMap([el('CD19BL', 'cd19-on-blasts')]));
    writeSource('odd-lab', {
      ...conceptMap([el('8117-4', 'cd19-on-blasts')]),
      group: [{ ...conceptMap([el('8117-4', 'cd19-on-blasts')]).group[0], source: LOINC }],
    });
    const m = loadMappings(dir);
    const obs = observation(cc('urn:local:lab', 'CD19BL'), { valueString: 'dim' });
    expect(only(run(obs, 'new-hospital', m))).toMatchObject({ kind: 'Cd19Expression', level: 'dim' });
    const b = observation(cc(LOINC, '8117-4'), { valueString: 'negative' });
    expect(only(run(b, 'odd-lab', m))).toMatchObject({ level: 'negative' });
    expect(run(b, 'new-hospital', m).status).toBe('ignored');
  });

  it('unknown concept id in a ConceptMap', () => {
    writeSource('h1', conceptMap([el('X', 'minimal-residual')]));
    expect(problemsOf().join()).toMatch(/unknown concept id "minimal-residual"/);
  });
  it('one local code mapped to two concepts', () => {
    writeSource('h1', conceptMap([el('X', 'mrd'), el('X', 'ferritin')]));
    expect(problemsOf().join()).toMatch(/already mapped to mrd/);
  });
  it('ConceptMap id different from the file name', () => {
    writeSource('h1', conceptMap([el('X', 'mrd')], { id: 'h2' }));
    expect(problemsOf().join()).toMatch(/ConceptMap.id h2/);
  });
  it('ConceptMap targeting another code system (schema)', () => {
    const cm = conceptMap([el('X', 'mrd')]);
    (cm.group[0] as Record<string, unknown>).target = 'http://loinc.org';
    writeSource('h1', cm);
    expect(problemsOf().join()).toMatch(/h1\.json/);
  });
  it('ConceptMap product not allowed for the concept', () => {
    writeSource(
      'h1',
      conceptMap([
        {
          code: 'X',
          target: [{ code: 'mrd', equivalence: 'equivalent', product: [{ property: 'grade', value: '2' }] }],
        },
      ]),
    );
    expect(problemsOf().join()).toMatch(/attribute grade="2" not allowed for mrd/);
  });
  it('bad regular expression in concepts.json', () => {
    editJson(
      'concepts.json',
      (d) =>
        ((d.concepts as { id: string; text?: unknown[] }[]).find((c) => c.id === 'mrd')!.text = [
          { pattern: '(MRD' },
        ]),
    );
    expect(problemsOf().join()).toMatch(/bad regular expression/);
  });
  it('a backtracking-only construct (look-around) is refused: patterns run on a linear-time engine', () => {
    editJson(
      'concepts.json',
      (d) =>
        ((d.concepts as { id: string; text?: unknown[] }[]).find((c) => c.id === 'mrd')!.text = [
          { pattern: '^(?!.*peripheral).*MRD' },
        ]),
    );
    expect(problemsOf().join()).toMatch(/concepts\[\d+\]\.text\[0\]: bad regular expression .*RE2/);
  });
  it('one code in two concepts', () => {
    editJson('concepts.json', (d) =>
      (d.concepts as { id: string; codings: unknown[] }[])
        .find((c) => c.id === 'ferritin')!
        .codings.push({ system: LOINC, code: '751-8' }),
    );
    expect(problemsOf().join()).toMatch(/http:\/\/loinc.org\|751-8 already mapped to ferritin/);
  });
  it('unknown concept id in concepts.json', () => {
    editJson('concepts.json', (d) =>
      (d.concepts as unknown[]).push({
        id: 'new-thing',
        label: 'x',
        role: 'observation',
        verified: true,
        codings: [],
      }),
    );
    expect(problemsOf().join()).toMatch(/unknown concept id "new-thing"/);
  });
  it('schema violation: coding without a code', () => {
    editJson('concepts.json', (d) =>
      (d.concepts as { codings: unknown[] }[])[0].codings.push({ system: LOINC }),
    );
    expect(problemsOf().join()).toMatch(/must have required property 'code'/);
  });
  it('a unit listed with two factors', () => {
    editJson('units.json', (d) =>
      (d.ferritinNgPerMl as { factors: unknown[] }).factors.push({ units: ['ug/L'], factor: 2 }),
    );
    expect(problemsOf().join()).toMatch(/ug\/L listed with two factors/);
  });
  it('units.json missing a rule', () => {
    editJson('units.json', (d) => delete d.cd19);
    expect(problemsOf().join()).toMatch(/cd19/);
  });
  it('unreadable JSON', () => {
    writeFileSync(join(dir, 'sources', 'broken.json'), '{ "resourceType": ');
    expect(problemsOf().join()).toMatch(/broken\.json: not readable JSON/);
  });
});

it('the shipped data loads; text rules read case-insensitively, with `unless` and Unicode spaces', () => {
  const icans = mappings.textRules.filter((r) => r.concept === 'icans');
  const reads = (t: string) => icans.some((r) => r.regex.test(t));
  expect(reads('NEUROTOXICITY grade 2')).toBe(true);
  expect(reads('neuro-toxicity after blinatumomab')).toBe(true);
  // `unless`: a vincristine neuropathy is not ICANS.
  expect(reads('peripheral neurotoxicity (vincristine)')).toBe(false);
  // Unicode spaces read as spaces (RE2's \s alone is ASCII).
  const cytokine = mappings.textRules.filter((r) => r.concept === 'crs');
  expect(cytokine.some((r) => r.regex.test('Cytokine\u00a0release syndrome'))).toBe(true);
  expect(mappings.sources.has('example-hospital')).toBe(true);
});
