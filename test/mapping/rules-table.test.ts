/**
 * Every code row of clinical-rules.md §1 maps to its concept. The expectations are written from the
 * rules table (the spec), not read from mappings/concepts.json, so a data change that drops a code fails
 * here. UNVERIFIED items of the table (MRD LOINC, CAR-T codes, CRS SNOMED) are not asserted.
 */
import {
  administration,
  ATC,
  body,
  cc,
  condition,
  HGNC,
  ICD10CM,
  ICDO3,
  LOINC,
  map,
  NDC,
  observation,
  only,
  procedure,
  qty,
  RXNORM,
  SCT,
  text,
} from './helpers';

describe('B-ALL diagnosis codes → Diagnosis', () => {
  const rows: [string, string, boolean, boolean][] = [
    [SCT, '277571004', false, false],
    [SCT, '277572006', false, false],
    [SCT, '91857003', false, false],
    [ICD10CM, 'C91.00', false, false],
    [ICD10CM, 'C91.01', false, true],
    [ICD10CM, 'C91.02', true, false],
    ...['9811/3', '9812/3', '9813/3', '9814/3', '9815/3', '9816/3', '9817/3', '9818/3'].map(
      (c) => [ICDO3, c, false, false] as [string, string, boolean, boolean],
    ),
  ];
  it.each(rows)('%s %s → relapse %s, remission %s', (system, code, relapse, remission) => {
    expect(body(only(map(condition(cc(system, code)))))).toEqual({ kind: 'Diagnosis', relapse, remission });
  });
});

describe('myeloid sarcoma and AML → MyeloidDisease (sarcoma also extramedullary)', () => {
  it.each([
    [ICD10CM, 'C92.30'],
    [ICD10CM, 'C92.31'],
    [ICD10CM, 'C92.32'],
    [ICDO3, '9930/3'],
    [SCT, '188737002'],
  ])('%s %s → myeloid sarcoma', (system, code) => {
    const r = map(condition(cc(system, code)));
    expect(r.events.map(body)).toEqual([
      { kind: 'MyeloidDisease', form: 'myeloid-sarcoma' },
      { kind: 'ExtramedullaryDisease', myeloidSarcoma: true },
    ]);
  });
  it.each([
    [ICD10CM, 'C92.00'],
    [ICD10CM, 'C92.01'],
    [ICD10CM, 'C92.02'],
    [SCT, '91861009'],
  ])('%s %s → AML', (system, code) => {
    expect(body(only(map(condition(cc(system, code)))))).toEqual({ kind: 'MyeloidDisease', form: 'aml' });
  });
});

describe('toxicity Conditions → Toxicity with grade', () => {
  const rows: [string, string, string, number | undefined][] = [
    ...[1, 2, 3, 4, 5].map((g) => [ICD10CM, `D89.83${g}`, 'crs', g] as [string, string, string, number]),
    [ICD10CM, 'D89.839', 'crs', undefined],
    [ICD10CM, 'G92.00', 'icans', undefined],
    ...[1, 2, 3, 4, 5].map((g) => [ICD10CM, `G92.0${g}`, 'icans', g] as [string, string, string, number]),
    [SCT, '234437005', 'hlh-mas', undefined],
    [ICD10CM, 'D76.1', 'hlh-mas', undefined],
  ];
  it.each(rows)('%s %s → %s grade %s', (system, code, toxicity, grade) => {
    const expected: Record<string, unknown> = { kind: 'Toxicity', toxicity };
    if (grade !== undefined) expected.grade = grade;
    expect(body(only(map(condition(cc(system, code)))))).toEqual(expected);
  });
  it.each([
    ['Cytokine release syndrome', 'crs'],
    ['ICANS', 'icans'],
    ['Neurotoxicity after CAR-T', 'icans'],
    ['Macrophage activation syndrome', 'hlh-mas'],
    ['MAS', 'hlh-mas'],
    ['Secondary HLH', 'hlh-mas'],
  ])('text %j → %s', (t, toxicity) => {
    expect(body(only(map(condition(text(t)))))).toEqual({ kind: 'Toxicity', toxicity });
  });
});

it('Z94.84 (stem cell transplant status) → Hsct dated at onset', () => {
  const e = only(map(condition(cc(ICD10CM, 'Z94.84'), { onsetDateTime: '2019-06-01' })));
  expect(e).toMatchObject({ kind: 'Hsct', transplantType: 'unknown', at: '2019-06-01' });
});

describe('medications → events', () => {
  const rows: [string, string, string, Record<string, unknown>][] = [
    ...['1597258', '1597262', '1597263', '1597267', '1651250'].map(
      (c) =>
        [RXNORM, c, 'BlinatumomabInfusion', { status: 'completed', mcgPerDay: 28 }] as [
          string,
          string,
          string,
          Record<string, unknown>,
        ],
    ),
    [ATC, 'L01FX07', 'BlinatumomabInfusion', { status: 'completed', mcgPerDay: 28 }],
    [ATC, 'L01XC19', 'BlinatumomabInfusion', { status: 'completed', mcgPerDay: 28 }],
    [NDC, '55513-160-01', 'BlinatumomabInfusion', { status: 'completed', mcgPerDay: 28 }],
    [NDC, '55513-160-21', 'BlinatumomabInfusion', { status: 'completed', mcgPerDay: 28 }],
    [RXNORM, '612865', 'TocilizumabGiven', {}],
    [RXNORM, '895761', 'TocilizumabGiven', {}],
    [ATC, 'L04AC07', 'TocilizumabGiven', {}],
    [RXNORM, '3264', 'SteroidGiven', { agent: 'dexamethasone' }],
    [ATC, 'H02AB02', 'SteroidGiven', { agent: 'dexamethasone' }],
    [RXNORM, '7512', 'VasopressorGiven', { agent: 'norepinephrine' }],
    [RXNORM, '11149', 'VasopressorGiven', { agent: 'vasopressin' }],
    [RXNORM, '3992', 'VasopressorGiven', { agent: 'epinephrine' }],
    [RXNORM, '8163', 'VasopressorGiven', { agent: 'phenylephrine' }],
    [RXNORM, '3628', 'VasopressorGiven', { agent: 'dopamine' }],
  ];
  it.each(rows)('%s %s → %s', (system, code, kind, fields) => {
    const r = map(administration(cc(system, code), { dosage: { rateQuantity: qty(28, 'ug/d') } }));
    expect(body(only(r))).toEqual({ kind, ...fields });
  });
  it.each(['CAR-T cell infusion', 'Tisagenlecleucel', 'Kymriah'])(
    'CAR-T by text %j on MedicationAdministration and Procedure',
    (t) => {
      expect(body(only(map(administration(text(t)))))).toEqual({ kind: 'CarT' });
      expect(body(only(map(procedure(text(t)))))).toEqual({ kind: 'CarT' });
    },
  );
});

it.each([
  [SCT, '234336002'],
  [SCT, '1269349006'],
])('HSCT Procedure %s %s → Hsct', (system, code) => {
  expect(body(only(map(procedure(cc(system, code)))))).toEqual({ kind: 'Hsct', transplantType: 'unknown' });
});

describe('laboratory Observations', () => {
  const rows: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['11150-0', { valueQuantity: qty(42, '%') }, { kind: 'MarrowBlasts', percent: 42 }],
    ['26446-5', { valueQuantity: qty(12, '%') }, { kind: 'PeripheralBlasts', percent: 12 }],
    ['709-6', { valueQuantity: qty(1.5, '10*9/L') }, { kind: 'PeripheralBlasts', count10e9PerL: 1.5 }],
    ...['2276-4', '20567-4', '24373-3'].map(
      (c) =>
        [c, { valueQuantity: qty(12000, 'ng/mL') }, { kind: 'Ferritin', ngPerMl: 12000 }] as [
          string,
          Record<string, unknown>,
          Record<string, unknown>,
        ],
    ),
    [
      '6690-2',
      { valueQuantity: qty(3.2, '10*3/uL') },
      { kind: 'CountResult', analyte: 'wbc', value10e9PerL: 3.2 },
    ],
    [
      '26464-8',
      { valueQuantity: qty(3.2, '10*9/L') },
      { kind: 'CountResult', analyte: 'wbc', value10e9PerL: 3.2 },
    ],
    [
      '777-3',
      { valueQuantity: qty(45, '10*3/uL') },
      { kind: 'CountResult', analyte: 'platelets', value10e9PerL: 45 },
    ],
    [
      '26515-7',
      { valueQuantity: qty(45, '10*9/L') },
      { kind: 'CountResult', analyte: 'platelets', value10e9PerL: 45 },
    ],
    [
      '751-8',
      { valueQuantity: qty(0.4, '10*3/uL') },
      { kind: 'CountResult', analyte: 'anc', value10e9PerL: 0.4 },
    ],
    [
      '26499-4',
      { valueQuantity: qty(0.4, '10*9/L') },
      { kind: 'CountResult', analyte: 'anc', value10e9PerL: 0.4 },
    ],
    [
      '1920-8',
      { valueQuantity: qty(250, 'U/L') },
      { kind: 'LiverEnzyme', analyte: 'ast', value: 250, unit: 'U/L' },
    ],
    [
      '1742-6',
      { valueQuantity: qty(300, 'U/L') },
      { kind: 'LiverEnzyme', analyte: 'alt', value: 300, unit: 'U/L' },
    ],
    [
      '2532-0',
      { valueQuantity: qty(900, 'U/L') },
      { kind: 'LiverEnzyme', analyte: 'ldh', value: 900, unit: 'U/L' },
    ],
    [
      '14804-9',
      { valueQuantity: qty(900, 'U/L') },
      { kind: 'LiverEnzyme', analyte: 'ldh', value: 900, unit: 'U/L' },
    ],
    [
      '1975-2',
      { valueQuantity: qty(2.1, 'mg/dL') },
      { kind: 'LiverEnzyme', analyte: 'bilirubin', value: 2.1, unit: 'mg/dL' },
    ],
    [
      '3255-7',
      { valueQuantity: qty(120, 'mg/dL') },
      { kind: 'ChemistryResult', analyte: 'fibrinogen', value: 120, unit: 'mg/dL' },
    ],
    [
      '2571-8',
      { valueQuantity: qty(350, 'mg/dL') },
      { kind: 'ChemistryResult', analyte: 'triglycerides', value: 350, unit: 'mg/dL' },
    ],
    ...['8310-5', '8331-1', '8332-9'].map(
      (c) =>
        [c, { valueQuantity: qty(38.4, 'Cel') }, { kind: 'Temperature', celsius: 38.4 }] as [
          string,
          Record<string, unknown>,
          Record<string, unknown>,
        ],
    ),
    [
      '3151-8',
      { valueQuantity: qty(4, 'L/min') },
      { kind: 'OxygenSupport', level: 'low-flow', flowLPerMin: 4 },
    ],
    ['3150-0', { valueQuantity: qty(40, '%') }, { kind: 'OxygenSupport', level: 'low-flow', fio2: 0.4 }],
  ];
  it.each(rows)('LOINC %s', (code, value, expected) => {
    expect(body(only(map(observation(cc(LOINC, code), value))))).toEqual(expected);
  });

  it.each(['8117-4', '8116-6'])('LOINC %s (B cells in blood) is NOT CD19 on blasts', (code) => {
    const r = map(observation(cc(LOINC, code, 'CD19 cells in Blood'), { valueQuantity: qty(10, '%') }));
    expect(r.status).toBe('ignored');
  });

  it.each([
    ['268910001', 'improved'],
    ['359746009', 'stable'],
    ['271299001', 'worsened'],
    ['103338009', 'full-remission'],
  ])('disease status 97509-4 = SNOMED %s → %s', (code, status) => {
    const r = map(observation(cc(LOINC, '97509-4'), { valueCodeableConcept: cc(SCT, code) }));
    expect(body(only(r))).toEqual({ kind: 'DiseaseStatus', status });
  });
});

describe('markers', () => {
  it.each(['Minimal residual disease, flow', 'Measurable residual disease', 'MRD by PCR'])(
    'MRD by text %j',
    (t) => {
      expect(body(only(map(observation(text(t), { valueQuantity: qty(0.05, '%') }))))).toMatchObject({
        kind: 'MrdResult',
        fraction: 0.0005,
        detected: true,
      });
    },
  );

  it.each([
    [LOINC, 'LA6576-8', 'positive'],
    [SCT, '10828004', 'positive'],
    [LOINC, 'LA6577-6', 'negative'],
    [SCT, '260385009', 'negative'],
    [SCT, '260408008', 'dim'],
  ])('CD19 on blasts valued %s %s → %s', (system, code, level) => {
    const r = map(observation(text('CD19 on blasts'), { valueCodeableConcept: cc(system, code) }));
    expect(body(only(r))).toEqual({ kind: 'Cd19Expression', level });
  });

  it('CD19 as a component of an immunophenotype panel (LOINC 101119-6)', () => {
    const r = map(
      observation(
        cc(LOINC, '101119-6'),
        {},
        {
          component: [{ code: text('CD19'), valueCodeableConcept: cc(SCT, '260408008') }],
        },
      ),
    );
    expect(body(only(r))).toEqual({ kind: 'Cd19Expression', level: 'dim' });
  });

  it('KMT2A: 69548-6 Present with gene studied 48018-6 = HGNC:7132', () => {
    const r = map(
      observation(
        cc(LOINC, '69548-6'),
        { valueCodeableConcept: { ...cc(LOINC, 'LA9633-4'), text: 'Present' } },
        {
          component: [{ code: cc(LOINC, '48018-6'), valueCodeableConcept: cc(HGNC, 'HGNC:7132', 'KMT2A') }],
        },
      ),
    );
    expect(body(only(r))).toEqual({ kind: 'Kmt2aRearrangement', present: true });
  });

  it.each(['KMT2A rearrangement', 'MLL rearrangement FISH'])('KMT2A by text %j', (t) => {
    const r = map(observation(text(t), { valueString: 'rearranged' }));
    expect(body(only(r))).toEqual({ kind: 'Kmt2aRearrangement', present: true });
  });

  it.each([
    ['CNS2', 'CNS2'],
    ['CNS 3', 'CNS3'],
  ])('CNS status %j from CSF → ExtramedullaryDisease', (value, cnsStatus) => {
    const r = map(observation(text('CNS status'), { valueString: value }));
    expect(body(only(r))).toEqual({ kind: 'ExtramedullaryDisease', cnsStatus, myeloidSarcoma: false });
  });
});
