/** MedicationAdministration: blinatumomab dose normalisation, statuses, contained/bundled Medications. */
import { administration, body, cc, map, only, qty, RXNORM, text } from './helpers';

const BLINA = cc(RXNORM, '1597258');
const period = (hours: number) => ({
  start: '2024-03-01T08:00:00Z',
  end: new Date(Date.parse('2024-03-01T08:00:00Z') + hours * 3_600_000).toISOString(),
});
const blina = (dosage: Record<string, unknown> | undefined, more: Record<string, unknown> = {}) =>
  map(administration(BLINA, { dosage, ...more }));

describe('blinatumomab dose → mcg/day (and mcg/m²/day)', () => {
  const rates: [string, number, Record<string, number>][] = [
    ['ug/d', 28, { mcgPerDay: 28 }],
    ['mcg/d', 9, { mcgPerDay: 9 }],
    ['mcg/day', 9, { mcgPerDay: 9 }],
    ['µg/d', 28, { mcgPerDay: 28 }],
    ['ug/(24.h)', 28, { mcgPerDay: 28 }],
    ['ug/24h', 28, { mcgPerDay: 28 }],
    ['ug/h', 0.375, { mcgPerDay: 9 }],
    ['mg/d', 0.028, { mcgPerDay: 28 }],
    ['ug/(m2.d)', 15, { mcgPerM2PerDay: 15 }],
    ['mcg/m2/d', 5, { mcgPerM2PerDay: 5 }],
    ['mcg/m2/day', 5, { mcgPerM2PerDay: 5 }],
    ['ug/(d.m2)', 15, { mcgPerM2PerDay: 15 }],
  ];
  it.each(rates)('rateQuantity %s', (unit, value, expected) => {
    expect(body(only(blina({ rateQuantity: qty(value, unit) })))).toEqual({
      kind: 'BlinatumomabInfusion',
      status: 'completed',
      ...expected,
    });
  });

  const bags: [number, number, string, Record<string, number>][] = [
    [24, 28, 'ug', { mcgPerDay: 28 }],
    [48, 56, 'ug', { mcgPerDay: 28 }],
    [72, 27, 'ug', { mcgPerDay: 9 }],
    [96, 112, 'mcg', { mcgPerDay: 28 }],
    [168, 196, 'ug', { mcgPerDay: 28 }],
    [167, 196, 'ug', { mcgPerDay: 28 }],
    [48, 30, 'ug/m2', { mcgPerM2PerDay: 15 }],
  ];
  it.each(bags)('dose over a %s h bag: %s %s', (hours, value, unit, expected) => {
    const r = blina({ dose: qty(value, unit) }, { effectivePeriod: period(hours) });
    expect(body(only(r))).toEqual({ kind: 'BlinatumomabInfusion', status: 'completed', ...expected });
  });

  it('rateRatio 28 ug / 1 d', () => {
    expect(only(blina({ rateRatio: { numerator: qty(28, 'ug'), denominator: qty(1, 'd') } }))).toMatchObject({
      mcgPerDay: 28,
    });
  });

  it.each([
    ['rate in mL/h', { rateQuantity: qty(10, 'mL/h') }, 'MedicationAdministration.dosage.rateQuantity.unit'],
    ['rate per kg', { rateQuantity: qty(5, 'ug/kg/d') }, 'MedicationAdministration.dosage.rateQuantity.unit'],
    ['dose in mL', { dose: qty(240, 'mL') }, 'MedicationAdministration.dosage.dose.unit'],
    [
      'rate without unit',
      { rateQuantity: { value: 28 } },
      'MedicationAdministration.dosage.rateQuantity.unit',
    ],
  ])('%s → error', (_name, dosage, expression) => {
    const r = blina(dosage);
    expect(r).toMatchObject({
      status: 'error',
      events: [],
      issues: [{ severity: 'error', expression: [expression] }],
    });
  });

  it('dose over a non-standard period (10 h) → error, not a guess', () => {
    const r = blina({ dose: qty(28, 'ug') }, { effectivePeriod: period(10) });
    expect(r.issues[0].expression).toEqual(['MedicationAdministration.effectivePeriod']);
  });
  it('dose with only a dateTime → error', () => {
    const r = blina({ dose: qty(28, 'ug') }, { effectivePeriod: undefined, effectiveDateTime: '2024-03-01' });
    expect(r.status).toBe('error');
  });
  it('no dosage → infusion without a dose', () => {
    expect(body(only(blina(undefined)))).toEqual({ kind: 'BlinatumomabInfusion', status: 'completed' });
  });
});

describe('statuses', () => {
  it.each(['completed', 'in-progress', 'stopped', 'on-hold', 'not-done'])(
    'blinatumomab %s → infusion status',
    (status) => {
      expect(only(blina({ rateQuantity: qty(28, 'ug/d') }, { status }))).toMatchObject({ status });
    },
  );
  it('not-done keeps no dose even when one is charted', () => {
    expect(body(only(blina({ rateQuantity: qty(28, 'ug/d') }, { status: 'not-done' })))).toEqual({
      kind: 'BlinatumomabInfusion',
      status: 'not-done',
    });
  });
  it('entered-in-error → retracted', () => {
    expect(blina(undefined, { status: 'entered-in-error' })).toMatchObject({
      status: 'retracted',
      events: [],
    });
  });
  it('unknown → error on status', () => {
    expect(blina(undefined, { status: 'unknown' }).issues[0].expression).toEqual([
      'MedicationAdministration.status',
    ]);
  });
  it('tocilizumab not-done → recognised, no event', () => {
    expect(map(administration(cc(RXNORM, '612865'), { status: 'not-done' }))).toMatchObject({
      status: 'mapped',
      events: [],
    });
  });
  it('envelope: eventId, start and end of the bag', () => {
    const e = only(blina(undefined, { effectivePeriod: period(48) }));
    expect(e).toMatchObject({
      eventId: 'MedicationAdministration/ma1#BlinatumomabInfusion',
      at: '2024-03-01T08:00:00Z',
      end: '2024-03-03T08:00:00.000Z',
    });
  });
});

describe('medication identity', () => {
  it('contained Medication via medicationReference #id', () => {
    const r = map(
      administration(BLINA, {
        medicationCodeableConcept: undefined,
        medicationReference: { reference: '#m1' },
        contained: [{ resourceType: 'Medication', id: 'm1', code: cc(RXNORM, '1597263') }],
      }),
    );
    expect(only(r)).toMatchObject({ kind: 'BlinatumomabInfusion' });
  });
  it('bundled Medication via ctx.resolve, matched on an ingredient', () => {
    const med = {
      resourceType: 'Medication',
      id: 'm2',
      ingredient: [{ itemCodeableConcept: cc(RXNORM, '612865') }],
    };
    const r = map(
      administration(BLINA, {
        medicationCodeableConcept: undefined,
        medicationReference: { reference: 'Medication/m2' },
      }),
      {
        resolve: (ref) => (ref === 'Medication/m2' ? (med as never) : undefined),
      },
    );
    expect(only(r)).toMatchObject({ kind: 'TocilizumabGiven' });
  });
  it('unresolvable medicationReference → error (the drug cannot be known)', () => {
    const r = map(
      administration(BLINA, {
        medicationCodeableConcept: undefined,
        medicationReference: { reference: 'Medication/x' },
      }),
    );
    expect(r).toMatchObject({
      status: 'error',
      issues: [{ expression: ['MedicationAdministration.medicationReference'] }],
    });
  });
  it('a non-target drug is ignored with its code in the issue', () => {
    const r = map(administration(cc(RXNORM, '11202', 'vincristine')));
    expect(r.status).toBe('ignored');
    expect(r.issues[0].diagnostics).toContain(`${RXNORM}|11202`);
  });
  it('blinatumomab by text only is not recognised (the rules allow no text for it)', () => {
    expect(map(administration(text('Blinatumomab'))).status).toBe('ignored');
  });
  it('MedicationRequest for blinatumomab is ignored, saying why', () => {
    const r = map({
      resourceType: 'MedicationRequest',
      id: 'mr1',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: BLINA,
      subject: { reference: 'Patient/src.p1' },
    });
    expect(r.status).toBe('ignored');
    expect(r.issues[0].diagnostics).toContain('blinatumomab');
  });
});
