/** Observation forms: MRD text results, CD19 statements, KMT2A, CNS status, statuses and errors. */
import { body, cc, HGNC, LOINC, map, observation, only, qty, SCT, text } from './helpers';

const mrd = (value: Record<string, unknown>, more: Record<string, unknown> = {}) =>
  map(observation(text('Minimal residual disease'), value, more));

describe('MRD text results', () => {
  const rows: [string, Record<string, unknown>][] = [
    ['not detected', { detected: false }],
    ['Negative', { detected: false }],
    ['MRD negative (<0.01%)', { detected: false, fraction: 0.0001, comparator: '<', sensitivity: 0.0001 }],
    ['<0.01%', { detected: false, fraction: 0.0001, comparator: '<', sensitivity: 0.0001 }],
    ['1e-4', { detected: true, fraction: 0.0001 }],
    ['1.2 x 10^-3', { detected: true, fraction: 0.0012 }],
    ['3×10⁻⁴', { detected: true, fraction: 0.0003 }],
    ['10^-5', { detected: true, fraction: 0.00001 }],
    ['0,05%', { detected: true, fraction: 0.0005 }],
    ['not detected, sensitivity 1e-5', { detected: false, sensitivity: 0.00001 }],
    ['Detected', { detected: true }],
    ['positive', { detected: true }],
  ];
  it.each(rows)('valueString %j', (value, expected) => {
    expect(body(only(mrd({ valueString: value })))).toEqual({
      kind: 'MrdResult',
      specimen: 'unknown',
      ...expected,
    });
  });

  it('valueCodeableConcept Negative (coded) and text forms', () => {
    expect(only(mrd({ valueCodeableConcept: cc(SCT, '260385009') }))).toMatchObject({ detected: false });
    expect(only(mrd({ valueCodeableConcept: text('not detected') }))).toMatchObject({ detected: false });
    expect(only(mrd({ valueCodeableConcept: text('<0.01%') }))).toMatchObject({
      fraction: 0.0001,
      comparator: '<',
    });
  });

  it.each(['0.001', 'pending', 'see report'])('%j → error, never a guess', (value) => {
    const r = mrd({ valueString: value });
    expect(r.status).toBe('error');
    expect(r.issues[0].expression).toEqual(['Observation.value[x]']);
  });

  it('specimen from a contained Specimen, bodySite, or the code text', () => {
    const contained = [{ resourceType: 'Specimen', id: 's1', type: text('Bone marrow aspirate') }];
    const viaSpecimen = mrd({ valueString: '1e-3' }, { contained, specimen: { reference: '#s1' } });
    expect(only(viaSpecimen)).toMatchObject({ specimen: 'bone-marrow' });
    const resolved = map(
      observation(text('MRD'), { valueString: '1e-3' }, { specimen: { reference: 'Specimen/pb' } }),
      {
        resolve: (ref) =>
          ref === 'Specimen/pb'
            ? ({ resourceType: 'Specimen', id: 'pb', type: text('Peripheral blood') } as never)
            : undefined,
      },
    );
    expect(only(resolved)).toMatchObject({ specimen: 'peripheral-blood' });
    expect(only(map(observation(text('MRD in bone marrow by flow'), { valueString: '1e-3' })))).toMatchObject(
      {
        specimen: 'bone-marrow',
      },
    );
  });
});

describe('CD19 on blasts', () => {
  const cd19 = (value: Record<string, unknown>) => map(observation(text('CD19 on leukemic blasts'), value));
  it.each([
    ['dim', 'dim'],
    ['weakly positive', 'dim'],
    ['Negative', 'negative'],
    ['positive', 'positive'],
    ['CD19 dim (partial)', 'dim'],
    ['CD19-', 'negative'],
    ['CD19+', 'positive'],
  ])('valueString %j → %s', (value, level) => {
    expect(only(cd19({ valueString: value }))).toMatchObject({ kind: 'Cd19Expression', level });
  });
  it.each([
    [95, 'positive'],
    [3, 'negative'],
  ])('%s %% of blasts → %s (threshold in units.json)', (pct, level) => {
    expect(body(only(cd19({ valueQuantity: qty(pct, '%') })))).toEqual({
      kind: 'Cd19Expression',
      level,
      percentPositive: pct,
    });
  });
  it('stated level wins over %: "dim, 80%"', () => {
    expect(only(cd19({ valueString: 'dim, 80%' }))).toMatchObject({ level: 'dim', percentPositive: 80 });
  });
  it('no level → error', () => {
    expect(cd19({ valueString: 'see comment' }).status).toBe('error');
  });

  describe('immunophenotype panel result text', () => {
    const panel = (value: string) => map(observation(cc(LOINC, '101119-6'), { valueString: value }));
    it.each([
      ['positive for CD10, CD79a, TdT, CD19, and CD20', 'positive'],
      ['Blasts positive for CD10, CD34; negative for CD19 and CD20', 'negative'],
      ['CD19 dim, CD22 positive', 'dim'],
      ['blasts express CD19 weakly; CD10 positive', 'dim'],
      ['blasts express CD10, CD19 and CD22', 'positive'],
    ])('%j → %s', (value, level) => {
      expect(only(panel(value))).toMatchObject({ kind: 'Cd19Expression', level });
    });
    it('a panel that does not name CD19 gives no event', () => {
      expect(panel('positive for CD33 and CD13')).toMatchObject({ status: 'mapped', events: [] });
    });
    it('CD19 named with contradicting statements → error', () => {
      expect(panel('positive for CD19; negative for CD19').status).toBe('error');
    });
  });
});

describe('KMT2A', () => {
  const variant = (gene: string, value: Record<string, unknown>) =>
    map(
      observation(cc(LOINC, '69548-6'), value, {
        component: [{ code: cc(LOINC, '48018-6'), valueCodeableConcept: cc(HGNC, gene) }],
      }),
    );
  it('absent → present false', () => {
    expect(only(variant('HGNC:7132', { valueCodeableConcept: text('Absent') }))).toMatchObject({
      present: false,
    });
  });
  it('gene studied is not KMT2A → ignored', () => {
    expect(variant('HGNC:3495', { valueCodeableConcept: text('Present') }).status).toBe('ignored');
  });
  it('gene KMT2A by display text in another HGNC system spelling', () => {
    const r = map(
      observation(
        cc(LOINC, '69548-6'),
        { valueCodeableConcept: text('Present') },
        {
          component: [
            { code: cc(LOINC, '48018-6'), valueCodeableConcept: cc('http://www.genenames.org', 'HGNC:7132') },
          ],
        },
      ),
    );
    expect(only(r)).toMatchObject({ present: true });
  });
});

describe('CNS status', () => {
  it('CNS1 is recognised with no event', () => {
    expect(map(observation(text('CNS status'), { valueString: 'CNS1' }))).toMatchObject({
      status: 'mapped',
      events: [],
    });
  });
  it('any Observation on a CSF specimen stating CNS3', () => {
    const r = map(
      observation(
        text('Cytospin'),
        { valueString: 'CNS3' },
        {
          contained: [{ resourceType: 'Specimen', id: 'csf', type: text('CSF') }],
          specimen: { reference: '#csf' },
        },
      ),
    );
    expect(only(r)).toMatchObject({ kind: 'ExtramedullaryDisease', cnsStatus: 'CNS3' });
  });
  it('CNS status without CNS1/2/3 → error', () => {
    expect(map(observation(text('CNS status'), { valueString: 'unclear' })).status).toBe('error');
  });
});

describe('status, time and subject', () => {
  const ferritin = (more: Record<string, unknown>) =>
    map(observation(cc(LOINC, '2276-4'), { valueQuantity: qty(9, 'ng/mL') }, more));
  it('entered-in-error → retracted', () => {
    expect(ferritin({ status: 'entered-in-error' })).toMatchObject({ status: 'retracted', events: [] });
  });
  it('cancelled → mapped, no event', () => {
    expect(ferritin({ status: 'cancelled' })).toMatchObject({ status: 'mapped', events: [] });
  });
  it('no subject → error on Observation.subject', () => {
    expect(ferritin({ subject: undefined }).issues[0].expression).toEqual(['Observation.subject']);
  });
  it('Group subject → error', () => {
    expect(ferritin({ subject: { reference: 'Group/1' } }).status).toBe('error');
  });
  it('no effective time → error', () => {
    expect(ferritin({ effectiveDateTime: undefined }).issues[0].expression).toEqual([
      'Observation.effective[x]',
    ]);
  });
  it('dataAbsentReason → mapped, no event, informational issue', () => {
    const r = map(observation(cc(LOINC, '2276-4'), { dataAbsentReason: text('not performed') }));
    expect(r).toMatchObject({ status: 'mapped', events: [], issues: [{ severity: 'information' }] });
  });
  it('event envelope: id, patient, source with version, time', () => {
    const e = only(ferritin({ meta: { versionId: '3' }, effectivePeriod: undefined }));
    expect(e).toEqual({
      kind: 'Ferritin',
      eventId: 'Observation/obs1#Ferritin',
      patient: 'src.p1',
      source: { resourceType: 'Observation', id: 'obs1', versionId: '3' },
      at: '2024-03-01T08:00:00Z',
      ngPerMl: 9,
    });
  });
});
