/**
 * BSA-aware dosing (clinical-rules §1 Dose, issue 10 defect 1), from FHIR resources through the mapper:
 * a child of 0.77 m² dosed 5 → 15 mcg/m²/day but charted in absolute micrograms (3.85 → 11.55 mcg/day) as
 * 24-h bags, 96-h bags and `rateRatio`. With the BSA the indication is relapsed/refractory and the drop back
 * to 3.85 after 11.55 is a toxicity restart; without a BSA the course keeps the as-charted behaviour.
 */
import type { Resource } from '@medplum/fhirtypes';
import fc from 'fast-check';
import type { ClinicalEvent } from '../../../src/domain/events';
import { assemble } from '../../../src/domain/course/index';
import { renderCourse } from '../../../src/domain/course/render';
import { flagPatient } from '../../../src/domain/flags';
import { cc, LOINC, map, qty, RXNORM } from '../../mapping/helpers';

const H = 3_600_000;
const BLINA = cc(RXNORM, '1597258');
let n = 0;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

type Charting = '24h-dose' | '96h-dose' | 'rateRatio' | 'rateQuantity';

/** Bags of one charting form covering `days` days from `startMs` at `mcgPerDay`. */
function bags(startMs: number, days: number, mcgPerDay: number, form: Charting): Resource[] {
  const hours = form === '96h-dose' ? 96 : 24;
  const out: Resource[] = [];
  for (let t = 0; t < days * 24; t += hours) {
    const span = Math.min(hours, days * 24 - t);
    const perBag = Math.round(((mcgPerDay * span) / 24) * 1000) / 1000;
    const dosage =
      form === 'rateRatio'
        ? { rateRatio: { numerator: qty(mcgPerDay, 'ug'), denominator: qty(1, 'd') } }
        : form === 'rateQuantity'
          ? { rateQuantity: qty(mcgPerDay, 'ug/d') }
          : { dose: qty(perBag, 'ug') };
    n += 1;
    out.push({
      resourceType: 'MedicationAdministration',
      id: `ma-${n}`,
      status: 'completed',
      medicationCodeableConcept: BLINA,
      subject: { reference: 'Patient/src.p1' },
      effectivePeriod: { start: iso(startMs + t * H), end: iso(startMs + (t + span) * H) },
      dosage,
    } as Resource);
  }
  return out;
}

function obs(id: string, loinc: string, value: number, unit: string, at: string): Resource {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: cc(LOINC, loinc),
    subject: { reference: 'Patient/src.p1' },
    effectiveDateTime: at,
    valueQuantity: qty(value, unit),
  } as Resource;
}

const DAY1 = Date.UTC(2026, 0, 5, 10);

/** Cycle 1: 7 days at 3.85 then 21 at 11.55; 14 days free; cycle 2: 11.55 for 10 days, CRS, 3.85. */
function child(form: Charting): Resource[] {
  const c2 = DAY1 + 42 * 24 * H;
  return [
    ...bags(DAY1, 7, 3.85, form),
    ...bags(DAY1 + 7 * 24 * H, 21, 11.55, form),
    ...bags(c2, 10, 11.55, form),
    {
      resourceType: 'Condition',
      id: 'crs-1',
      code: cc('http://hl7.org/fhir/sid/icd-10-cm', 'D89.832'),
      subject: { reference: 'Patient/src.p1' },
      onsetDateTime: iso(c2 + 10 * 24 * H),
    } as Resource,
    ...bags(c2 + 12 * 24 * H, 16, 3.85, form),
  ];
}

function pipeline(resources: Resource[]): ClinicalEvent[] {
  return resources.flatMap((r) => {
    const result = map(r);
    expect(result.status).toBe('mapped');
    return result.events;
  });
}

const MEASURED = [obs('bsa-1', '8277-6', 0.77, 'm2', '2026-01-02')];
// Mosteller: √(100 cm × 21.34 kg / 3600) = 0.7699 → 0.77 m²
const MOSTELLER = [
  obs('height-1', '8302-2', 1, 'm', '2025-12-20'),
  obs('weight-1', '29463-7', 21340, 'g', '2026-01-05T08:00:00Z'),
];

describe('BSA-aware dosing: absolute micrograms judged per m²', () => {
  const cases: [Charting, string, Resource[], 'measured' | 'mosteller'][] = [
    ['24h-dose', 'BSA Observation', MEASURED, 'measured'],
    ['96h-dose', 'BSA Observation', MEASURED, 'measured'],
    ['rateRatio', 'BSA Observation', MEASURED, 'measured'],
    ['rateQuantity', 'BSA Observation', MEASURED, 'measured'],
    ['24h-dose', 'Mosteller (height, weight)', MOSTELLER, 'mosteller'],
    ['96h-dose', 'Mosteller (height, weight)', MOSTELLER, 'mosteller'],
    ['rateRatio', 'Mosteller (height, weight)', MOSTELLER, 'mosteller'],
  ];
  it.each(cases)(
    '%s with %s: r/r indication, steps 5 → 15 per m², toxicity restart',
    (form, _, bsa, method) => {
      const events = pipeline([...bsa, ...child(form)]);
      const [course] = assemble(events);
      expect(course).toMatchObject({ indication: 'relapsed-refractory', doseBasis: 'per-m2-bsa' });
      expect(course!.bsa).toMatchObject({ m2: 0.77, method });
      expect(course!.cycles.map((c) => c.infusionDays)).toEqual([28, 26]);
      expect(course!.cycles[0]!.doseSteps).toMatchObject([
        { mcgPerDay: 3.85, mcgPerM2PerDay: 5, perM2FromBsa: true },
        { mcgPerDay: 11.55, mcgPerM2PerDay: 15, perM2FromBsa: true },
      ]);
      expect(course!.toxicityRestarts).toHaveLength(1);
      expect(course!.toxicityRestarts[0]).toMatchObject({ fromMcgPerDay: 11.55, toMcgPerDay: 3.85 });
      const flags = flagPatient(assemble(events), events);
      const restart = flags.find((f) => f.code === 'toxicity-restart');
      expect(restart?.evidence.map((r) => r.id)).toContain('crs-1');
      const basis = renderCourse(course!).extension!.find((e) => e.url.endsWith('/course-dose-basis'))!;
      expect(basis.extension!.map((e) => e.url)).toEqual([
        'basis',
        'bsa',
        'bsaMethod',
        'bsaDate',
        'evidence',
        ...(method === 'mosteller' ? ['evidence'] : []),
      ]);
      expect(basis.extension![1]!.valueQuantity).toMatchObject({ value: 0.77, code: 'm2' });
    },
  );

  it('without a BSA the course is judged as charted: indication unknown, no restart (today’s behaviour)', () => {
    const events = pipeline(child('24h-dose'));
    const [course] = assemble(events);
    expect(course).toMatchObject({ indication: 'unknown', doseBasis: 'as-charted', toxicityRestarts: [] });
    expect(course!.bsa).toBeUndefined();
    expect(course!.cycles[0]!.doseSteps[0]).not.toHaveProperty('mcgPerM2PerDay');
  });

  it('a BSA charted more than 30 days before day 1 (or after it) is not used', () => {
    const old = [
      obs('bsa-old', '8277-6', 0.77, 'm2', '2025-12-01'),
      obs('bsa-late', '8277-6', 0.77, 'm2', '2026-01-20'),
    ];
    const [course] = assemble(pipeline([...old, ...child('24h-dose')]));
    expect(course).toMatchObject({ doseBasis: 'as-charted', indication: 'unknown' });
  });

  it('an adult ≥ 45 kg dosed flat (9 → 28 mcg/day) with a BSA on file keeps the flat judgement', () => {
    const resources = [
      obs('bsa-a', '8277-6', 1.9, 'm2', '2026-01-04'),
      ...bags(DAY1, 7, 9, 'rateQuantity'),
      ...bags(DAY1 + 7 * 24 * H, 21, 28, 'rateQuantity'),
    ];
    const [course] = assemble(pipeline(resources));
    expect(course).toMatchObject({ indication: 'relapsed-refractory', doseBasis: 'per-m2-bsa' });
    expect(course!.cycles[0]!.doseSteps.map((s) => s.mcgPerDay)).toEqual([9, 28]);
  });

  it('pharmacy rounding within 5%: 0.83 m² charted 4.2 → 12.5 mcg/day is 5 → 15 per m²', () => {
    const resources = [
      obs('bsa-r', '8277-6', 0.83, 'm2', '2026-01-05'),
      ...bags(DAY1, 7, 4.2, 'rateRatio'),
      ...bags(DAY1 + 7 * 24 * H, 21, 12.5, 'rateRatio'),
    ];
    const [course] = assemble(pipeline(resources));
    expect(course!.indication).toBe('relapsed-refractory');
  });

  it.each([
    ['8277-6', 0.77, 'kg', 'body surface area: unit is not m2'],
    ['8302-2', 100, 'kg', 'body height: unit "kg" is not a recognised unit'],
    ['29463-7', 21, 'cm', 'body weight: unit "cm" is not a recognised unit'],
    ['29463-7', -3, 'kg', 'body weight: must be positive'],
  ])('LOINC %s %s %s is an error on that resource, not a guess', (code, value, unit, message) => {
    const r = map(obs('bad', code, value, unit, '2026-01-01'));
    expect(r.status).toBe('error');
    expect(r.issues[0]!.diagnostics).toContain(message);
    expect(r.issues[0]!.expression?.[0]).toMatch(/^Observation\.valueQuantity/);
  });

  it('property: shuffled and re-sent, the BSA-judged course is the same', () => {
    const events = pipeline([...MOSTELLER, ...child('96h-dose')]);
    const expected = assemble(events);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(events, { minLength: events.length }),
        fc.array(fc.nat(events.length - 1)),
        (shuffled, resend) => {
          expect(assemble([...shuffled, ...resend.map((i) => events[i]!)])).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
