import { assemble, mrdResponse, withDefaults } from '../../../src/domain/course/index';
import { assessResponse } from '../../../src/domain/course/response';
import type { MrdResult } from '../../../src/domain/events';
import { Timeline } from './builders';

const R28 = { mcgPerDay: 28 };

/** One 28-day cycle from 2020-01-01 (last infusion day 2020-01-28); `assess` adds the assessments. */
function cycle1(assess: (t: Timeline) => void) {
  const t = new Timeline();
  t.daily('2020-01-01', 28, R28);
  assess(t);
  return assemble(t.events())[0]!.cycles[0]!.response;
}

describe('response category', () => {
  it.each([
    ['CR', 1, 150, 2, 'CR'],
    ['CRh: partial count recovery', 3, 80, 0.8, 'CRh'],
    ['CRh allows exactly 5% blasts', 5, 80, 0.8, 'CRh'],
    ['CRi: blasts <5% without count recovery', 3, 30, 0.2, 'CRi'],
    ['CRi: platelets recovered but ANC not', 1, 150, 0.4, 'CRi'],
    ['no response: 5% blasts without counts for CRh', 5, 30, 0.2, 'no-response'],
    ['no response: 20% blasts even with counts', 20, 150, 2, 'no-response'],
  ] as const)('%s', (_label, blasts, platelets, anc, expected) => {
    const response = cycle1((t) => {
      t.marrow('2020-01-29', blasts);
      t.counts('2020-01-30', platelets, anc);
    });
    expect(response.category).toBe(expected);
    expect(response.assessedAt).toBe('2020-01-29');
    expect(response.evidence).toHaveLength(3);
  });

  it('is not-assessed without a marrow assessment, even with an MRD result', () => {
    const response = cycle1((t) => {
      t.mrd('2020-01-29', { fraction: 1e-5 });
      t.counts('2020-01-29', 150, 2);
    });
    expect(response).toMatchObject({ category: 'not-assessed', mrd: 'complete', mrdFraction: 1e-5 });
  });

  it('is not-assessed when nothing was assessed at all', () => {
    expect(cycle1(() => undefined)).toEqual({ category: 'not-assessed', mrd: 'not-assessed', evidence: [] });
  });

  it('gives CRi when no counts are charted within 7 days of the marrow', () => {
    const response = cycle1((t) => {
      t.counts('2020-01-18', 150, 2);
      t.marrow('2020-01-29', 1);
    });
    expect(response.category).toBe('CRi');
  });

  it('uses the counts nearest to the marrow', () => {
    const response = cycle1((t) => {
      t.counts('2020-01-24', 30, 0.2);
      t.marrow('2020-01-29', 1);
      t.counts('2020-01-30', 150, 2);
    });
    expect(response.category).toBe('CR');
  });

  it('uses the latest marrow in the window', () => {
    const response = cycle1((t) => {
      t.marrow('2020-01-15', 30);
      t.marrow('2020-01-29', 1);
      t.counts('2020-01-29', 150, 2);
    });
    expect(response.category).toBe('CR');
  });

  it('gives no response when extramedullary disease is charted in the window', () => {
    const response = cycle1((t) => {
      t.marrow('2020-01-29', 1);
      t.counts('2020-01-29', 150, 2);
      t.extramedullary('2020-01-20', { cnsStatus: 'CNS2' });
    });
    expect(response.category).toBe('no-response');
  });

  it('does not read the pre-treatment marrow on day 1 as the response to cycle 1', () => {
    expect(cycle1((t) => t.marrow('2020-01-01', 60)).category).toBe('not-assessed');
  });

  it('ends the last cycle window 42 days after its start', () => {
    expect(cycle1((t) => t.marrow('2020-02-12', 1)).category).toBe('CRi');
    expect(cycle1((t) => t.marrow('2020-02-13', 1)).category).toBe('not-assessed');
  });

  it('attributes a marrow taken before, or on the first day of, the next cycle to the cycle before', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 28, R28);
    t.daily('2020-02-12', 28, R28);
    t.marrow('2020-02-12', 1);
    t.counts('2020-02-11', 150, 2);
    t.marrow('2020-03-11', 30);
    const [c1, c2] = assemble(t.events())[0]!.cycles;
    expect(c1!.response.category).toBe('CR');
    expect(c2!.response.category).toBe('no-response');
  });

  it('reads MRD from the latest result in the window and keeps its fraction', () => {
    const response = cycle1((t) => {
      t.mrd('2020-01-20', { fraction: 1e-5 });
      t.mrd('2020-01-29', { fraction: 2e-3 });
    });
    expect(response).toMatchObject({ mrd: 'positive', mrdFraction: 2e-3, assessedAt: '2020-01-29' });
  });
});

describe('MRD response', () => {
  const cfg = withDefaults();
  const mrd = (r: Partial<MrdResult>): MrdResult => ({
    eventId: 'Observation/x#MrdResult',
    patient: 'hospa.1',
    source: { resourceType: 'Observation', id: 'x' },
    at: '2020-01-29',
    kind: 'MrdResult',
    detected: true,
    ...r,
  });

  it.each([
    ['below 10⁻⁴', { fraction: 5e-5 }, 'complete'],
    ['exactly 10⁻⁴', { fraction: 1e-4 }, 'positive'],
    ['0.15%', { fraction: 1.5e-3 }, 'positive'],
    ["'<' 10⁻⁴", { fraction: 1e-4, comparator: '<' }, 'complete'],
    ["'<' 0.1% (insufficient sensitivity)", { fraction: 1e-3, comparator: '<' }, 'not-assessed'],
    ["'<=' 5×10⁻⁵", { fraction: 5e-5, comparator: '<=' }, 'complete'],
    ["'<=' 10⁻⁴", { fraction: 1e-4, comparator: '<=' }, 'not-assessed'],
    ["'>' 10⁻³", { fraction: 1e-3, comparator: '>' }, 'positive'],
    ["'>=' 10⁻⁴", { fraction: 1e-4, comparator: '>=' }, 'positive'],
    ["'>' 10⁻⁵", { fraction: 1e-5, comparator: '>' }, 'not-assessed'],
    ['not detected at 10⁻⁴', { detected: false, sensitivity: 1e-4 }, 'complete'],
    ['not detected at 10⁻⁵', { detected: false, sensitivity: 1e-5 }, 'complete'],
    ['not detected at 10⁻³', { detected: false, sensitivity: 1e-3 }, 'not-assessed'],
    ['not detected, sensitivity not stated', { detected: false }, 'not-assessed'],
    ['detected, unquantified, at 10⁻⁴', { detected: true, sensitivity: 1e-4 }, 'positive'],
    ['detected, unquantified, sensitivity not stated', { detected: true }, 'not-assessed'],
  ] as const)('%s', (_label, r, expected) => {
    expect(mrdResponse(mrd(r as Partial<MrdResult>), cfg)).toBe(expected);
  });

  it('reads not detected without a sensitivity as complete only when configured', () => {
    const lenient = withDefaults({ mrdNotDetectedWithoutSensitivityIsComplete: true });
    expect(mrdResponse(mrd({ detected: false }), lenient)).toBe('complete');
  });
});

describe('charted comparators on marrow blasts', () => {
  const ev = (kind: string, extra: object, at = '2015-03-01') =>
    ({
      eventId: `${kind}/${at}`,
      patient: 'x.p',
      source: { resourceType: 'Observation', id: `x.${kind}` },
      at,
      kind,
      ...extra,
    }) as never;
  const w = { startDay: 0, endDay: Number.MAX_SAFE_INTEGER };
  test('"<5%" blasts with recovered counts is CR, not CRh', () => {
    const events = [
      ev('MarrowBlasts', { percent: 5, comparator: '<' }),
      ev('CountResult', { analyte: 'platelets', value10e9PerL: 150 }),
      ev('CountResult', { analyte: 'anc', value10e9PerL: 2 }),
    ];
    expect(assessResponse(events, w, withDefaults()).category).toBe('CR');
  });
  test('plain 5% blasts with recovered counts is CRh', () => {
    const events = [
      ev('MarrowBlasts', { percent: 5 }),
      ev('CountResult', { analyte: 'platelets', value10e9PerL: 150 }),
      ev('CountResult', { analyte: 'anc', value10e9PerL: 2 }),
    ];
    expect(assessResponse(events, w, withDefaults()).category).toBe('CRh');
  });
});
