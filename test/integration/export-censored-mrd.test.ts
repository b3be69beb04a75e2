/**
 * Censored MRD end to end (issue 10 defect 4): an MRD result of "<0.01%" posted over HTTP keeps its
 * comparator and sensitivity through the events, the course extension, the flag detail and the CSV row,
 * instead of becoming a measured 10⁻⁴. A child's BSA is in the same row (dose basis).
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { startHarness, TOKENS, transaction, type Harness } from '../helpers/harness';
import { post, RXNORM } from './export-fixtures';

let h: Harness;
const P = 'mrdchild';
const day = (n: number) => new Date(Date.UTC(2026, 0, 5 + n, 8)).toISOString().replace('.000Z', 'Z');

function bundle(): Bundle {
  const subject = { reference: `Patient/${P}` };
  const bags: Resource[] = Array.from({ length: 28 }, (_, i) => ({
    resourceType: 'MedicationAdministration',
    id: `${P}-ma-${i}`,
    status: 'completed',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '1597258' }] },
    subject,
    effectivePeriod: { start: day(i), end: day(i + 1) },
    dosage: {
      rateQuantity: { value: i < 7 ? 3.85 : 11.55, system: 'http://unitsofmeasure.org', code: 'ug/d' },
    },
  }));
  const obs = (
    id: string,
    code: Record<string, unknown>,
    value: Record<string, unknown>,
    at: string,
  ): Resource =>
    ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code,
      subject,
      effectiveDateTime: at,
      ...value,
    }) as Resource;
  return transaction([
    { resourceType: 'Patient', id: P },
    obs(
      `${P}-bsa`,
      { coding: [{ system: 'http://loinc.org', code: '8277-6' }] },
      { valueQuantity: { value: 0.77, unit: 'm2', system: 'http://unitsofmeasure.org', code: 'm2' } },
      '2026-01-02',
    ),
    ...bags,
    obs(
      `${P}-mrd`,
      { text: 'MRD (flow cytometry)' },
      {
        valueQuantity: {
          value: 0.01,
          comparator: '<',
          unit: '%',
          system: 'http://unitsofmeasure.org',
          code: '%',
        },
      },
      '2026-02-02',
    ),
  ] as Resource[]);
}

beforeAll(async () => {
  h = await startHarness('censoredmrd');
  await post(h, TOKENS.hospB, bundle());
  await h.idle();
}, 120_000);
afterAll(async () => {
  await h.close();
}, 120_000);

test('the course extension keeps "<" and the sensitivity; the CSV row too', async () => {
  const search = await h.request('GET', `/fhir/MedicationStatement?patient=hospb.${P}`, {
    token: TOKENS.hospB,
  });
  expect(search.status).toBe(200);
  const course = search.body.entry[0].resource;
  const cycle = course.extension.find((e: { url: string }) => e.url.endsWith('/course-cycle'));
  const sub = (url: string) => cycle.extension.find((e: { url: string }) => e.url === url);
  expect(sub('mrdFraction').valueDecimal).toBe(0.0001);
  expect(sub('mrdComparator').valueCode).toBe('<');
  expect(sub('mrdSensitivity').valueDecimal).toBe(0.0001);
  expect(sub('mrdResponse').valueCodeableConcept.coding[0].code).toBe('complete');

  const res = await fetch(`${h.base}/fhir/$registry-export?format=csv&table=courses`, {
    headers: { authorization: `Bearer ${TOKENS.hospB}` },
  });
  expect(res.status).toBe(200);
  const [header, ...lines] = (await res.text()).split('\r\n').filter((l) => l !== '');
  const columns = header!.split(',');
  const row = lines.map((l) => l.split(',')).find((r) => r[columns.indexOf('patient')] === `hospb.${P}`)!;
  const cell = (c: string) => row[columns.indexOf(c)];
  expect([
    cell('mrdResponseCycle1'),
    cell('mrdFractionCycle1'),
    cell('mrdComparatorCycle1'),
    cell('mrdSensitivityCycle1'),
  ]).toEqual(['complete', '0.0001', '<', '0.0001']);
  expect([cell('doseBasis'), cell('bsaM2'), cell('bsaMethod'), cell('indication')]).toEqual([
    'per-m2-bsa',
    '0.77',
    'measured',
    'relapsed-refractory',
  ]);
  expect(cell('startDate')).toBe('2026-01-05');
  expect(cell('startUtc')).toBe('2026-01-05T08:00:00Z');
}, 60_000);
