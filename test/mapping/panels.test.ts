/**
 * Panels (issue 10 defect 5): a grouping Observation with `hasMember` and no value of its own, as
 * DiagnosticReports deliver flow-cytometry and MRD results, is not a mapping error; its members are mapped.
 */
import { map, observation, qty, text } from './helpers';

const MRD_PANEL = text('Minimal residual disease panel (flow cytometry)');
const member = (id: string) => ({ reference: `Observation/${id}` });

describe('grouping Observations (panels with hasMember)', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['an MRD panel', { code: MRD_PANEL }],
    ['an MRD panel with an empty component list', { code: MRD_PANEL, component: [] }],
    ['a CD19 panel', { code: text('CD19 on blasts panel') }],
  ];
  it.each(cases)('%s with hasMember and no value is mapped without error, no event of its own', (_, more) => {
    const panel = observation(more.code as never, {}, { ...more, hasMember: [member('m1'), member('m2')] });
    const r = map(panel);
    expect(r.status).toBe('mapped');
    expect(r.events).toEqual([]);
    expect(r.issues.every((i) => i.severity === 'information')).toBe(true);
    expect(r.issues[0]!.expression).toEqual(['Observation.hasMember']);
  });

  it('its members are mapped: a censored MRD keeps comparator and sensitivity, CD19 negative', () => {
    const mrd = map(
      observation(text('MRD'), { valueQuantity: qty(0.01, '%', '<') }, { id: 'm1', derivedFrom: [] }),
    );
    expect(mrd.status).toBe('mapped');
    expect(mrd.events[0]).toMatchObject({
      kind: 'MrdResult',
      fraction: 0.0001,
      comparator: '<',
      sensitivity: 0.0001,
      detected: false,
    });
    const cd19 = map(observation(text('CD19 on blasts'), { valueString: 'negative' }, { id: 'm2' }));
    expect(cd19.events[0]).toMatchObject({ kind: 'Cd19Expression', level: 'negative' });
  });

  it('the same MRD Observation without hasMember and without a value is still an error naming value[x]', () => {
    const r = map(observation(MRD_PANEL, {}));
    expect(r.status).toBe('error');
    expect(r.issues[0]!.expression).toEqual(['Observation.value[x]']);
  });

  it('a panel that also carries a value of its own maps that value', () => {
    const r = map(observation(text('MRD'), { valueQuantity: qty(0.2, '%') }, { hasMember: [member('m1')] }));
    expect(r.events[0]).toMatchObject({ kind: 'MrdResult', fraction: 0.002 });
  });

  it('a panel whose code names no concept is ignored, never an error', () => {
    const r = map(observation(text('Leukaemia immunophenotyping report'), {}, { hasMember: [member('m1')] }));
    expect(r.status).not.toBe('error');
  });
});
