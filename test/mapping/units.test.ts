/** Every unit conversion of mappings/units.json, and what an unlisted unit produces. */
import { body, cc, LOINC, map, observation, only, qty } from './helpers';

type Row = [string, number, string | undefined, Record<string, unknown>];

describe('MRD → fraction', () => {
  const rows: Row[] = [
    ['%', 0.1, '%', { fraction: 0.001, detected: true }],
    ['fraction (1)', 0.001, '1', { fraction: 0.001, detected: true }],
    ['{fraction}', 0.0002, '{fraction}', { fraction: 0.0002, detected: true }],
    ['10*-4', 3, '10*-4', { fraction: 0.0003, detected: true }],
    ['10^-5', 2, '10^-5', { fraction: 0.00002, detected: true }],
    ['x10^-3', 1.2, 'x10^-3', { fraction: 0.0012, detected: true }],
    ['zero without a unit', 0, undefined, { fraction: 0, detected: false }],
  ];
  it.each(rows)('%s', (_name, value, unit, expected) => {
    const r = map(observation({ text: 'MRD' }, { valueQuantity: qty(value, unit) }));
    expect(body(only(r))).toEqual({ kind: 'MrdResult', specimen: 'unknown', ...expected });
  });

  it.each([
    ['<', 0.01, '%', { fraction: 0.0001, comparator: '<', detected: false, sensitivity: 0.0001 }],
    ['<=', 1, '10*-5', { fraction: 0.00001, comparator: '<=', detected: false, sensitivity: 0.00001 }],
    ['>', 5, '%', { fraction: 0.05, comparator: '>', detected: true }],
  ] as [string, number, string, Record<string, unknown>][])(
    'comparator %s is kept',
    (comparator, value, unit, expected) => {
      const r = map(observation({ text: 'MRD' }, { valueQuantity: qty(value, unit, comparator) }));
      expect(body(only(r))).toEqual({ kind: 'MrdResult', specimen: 'unknown', ...expected });
    },
  );

  it.each([
    ['cells', 'Observation.valueQuantity.unit'],
    [undefined, 'Observation.valueQuantity.unit'],
  ])('unit %j → error naming the element', (unit, expression) => {
    const r = map(observation({ text: 'MRD' }, { valueQuantity: qty(0.3, unit) }));
    expect(r.status).toBe('error');
    expect(r.events).toEqual([]);
    expect(r.issues[0]).toMatchObject({ severity: 'error', expression: [expression] });
  });
});

describe('counts → ×10⁹/L', () => {
  it.each([
    ['10*9/L', 2.5, 2.5],
    ['10*3/uL', 2.5, 2.5],
    ['10^9/L', 2.5, 2.5],
    ['K/uL', 2.5, 2.5],
    ['G/L', 2.5, 2.5],
    ['/uL', 2500, 2.5],
    ['/mm3', 2500, 2.5],
    ['cells/uL', 2500, 2.5],
    ['10*6/L', 2500, 2.5],
  ])('%s', (unit, value, expected) => {
    const e = only(map(observation(cc(LOINC, '751-8'), { valueQuantity: qty(value, unit) })));
    expect(e).toMatchObject({ kind: 'CountResult', value10e9PerL: expected });
  });
  it('g/dL on a count → error', () => {
    const r = map(observation(cc(LOINC, '777-3'), { valueQuantity: qty(12, 'g/dL') }));
    expect(r).toMatchObject({
      status: 'error',
      issues: [{ expression: ['Observation.valueQuantity.unit'] }],
    });
  });
});

describe('ferritin → ng/mL', () => {
  it.each([
    ['ng/mL', 800, 800],
    ['ug/L', 800, 800],
    ['µg/L', 800, 800],
    ['mg/L', 12, 12000],
  ])('%s', (unit, value, expected) => {
    expect(only(map(observation(cc(LOINC, '2276-4'), { valueQuantity: qty(value, unit) })))).toMatchObject({
      ngPerMl: expected,
    });
  });
  it('pmol/L → error', () => {
    expect(map(observation(cc(LOINC, '2276-4'), { valueQuantity: qty(800, 'pmol/L') })).status).toBe('error');
  });
});

describe('temperature → °C', () => {
  it.each([
    ['Cel', 38.2, 38.2],
    ['°C', 38.2, 38.2],
    ['[degF]', 100.4, 38],
    ['°F', 102.2, 39],
  ])('%s', (unit, value, celsius) => {
    expect(only(map(observation(cc(LOINC, '8310-5'), { valueQuantity: qty(value, unit) })))).toMatchObject({
      celsius,
    });
  });
  it('K → error', () => {
    expect(map(observation(cc(LOINC, '8310-5'), { valueQuantity: qty(311, 'K') })).status).toBe('error');
  });
});

describe('oxygen', () => {
  it.each([
    [6, 'L/min', 'low-flow'],
    [6.5, 'L/min', 'high-flow'],
    [40, 'L/min', 'high-flow'],
    [500, 'mL/min', 'low-flow'],
  ])('flow %s %s → %s (≤6 L/min low-flow)', (value, unit, level) => {
    expect(only(map(observation(cc(LOINC, '3151-8'), { valueQuantity: qty(value, unit) })))).toMatchObject({
      kind: 'OxygenSupport',
      level,
    });
  });
  it('FiO2 as a fraction, room air gives no event', () => {
    expect(only(map(observation(cc(LOINC, '3150-0'), { valueQuantity: qty(0.6, '1') })))).toMatchObject({
      fio2: 0.6,
    });
    const air = map(observation(cc(LOINC, '3150-0'), { valueQuantity: qty(21, '%') }));
    expect(air).toMatchObject({ status: 'mapped', events: [] });
  });
  it('device text wins: CPAP → positive-pressure', () => {
    const r = map(
      observation(cc(LOINC, '3150-0'), { valueQuantity: qty(50, '%') }, { method: { text: 'CPAP' } }),
    );
    expect(only(r)).toMatchObject({ level: 'positive-pressure', fio2: 0.5 });
  });
  it('FiO2 with a flow component → one event', () => {
    const r = map(
      observation(
        cc(LOINC, '3150-0'),
        { valueQuantity: qty(60, '%') },
        {
          component: [{ code: cc(LOINC, '3151-8'), valueQuantity: qty(30, 'L/min') }],
        },
      ),
    );
    expect(body(only(r))).toEqual({ kind: 'OxygenSupport', level: 'high-flow', fio2: 0.6, flowLPerMin: 30 });
  });
});

describe('blasts', () => {
  it('"<5%" keeps its comparator', () => {
    expect(body(only(map(observation(cc(LOINC, '11150-0'), { valueString: '<5%' }))))).toEqual({
      kind: 'MarrowBlasts',
      percent: 5,
      comparator: '<',
    });
  });
  it('peripheral blasts per µL → ×10⁹/L', () => {
    expect(only(map(observation(cc(LOINC, '709-6'), { valueQuantity: qty(1200, '/uL') })))).toMatchObject({
      count10e9PerL: 1.2,
    });
  });
  it('marrow blasts without a unit → error', () => {
    expect(map(observation(cc(LOINC, '11150-0'), { valueQuantity: { value: 30 } })).status).toBe('error');
  });
});

describe('liver ULN from referenceRange.high', () => {
  it('same unit → uln', () => {
    const r = map(
      observation(
        cc(LOINC, '1742-6'),
        { valueQuantity: qty(400, 'U/L') },
        { referenceRange: [{ high: qty(40, 'U/L') }] },
      ),
    );
    expect(only(r)).toMatchObject({ value: 400, unit: 'U/L', uln: 40 });
  });
  it('other unit → no uln (not converted silently)', () => {
    const r = map(
      observation(
        cc(LOINC, '1975-2'),
        { valueQuantity: qty(50, 'umol/L') },
        { referenceRange: [{ high: qty(1.2, 'mg/dL') }] },
      ),
    );
    expect(only(r)).not.toHaveProperty('uln');
  });
});
