import { em, ev, marrow, standardCourse } from './builders';
import { evidenceOf, only, refs, run } from './helpers';

const c = standardCourse('2015-02-09', 1);

describe('high-disease-burden', () => {
  it('raises on marrow blasts >50% within 30 days before day 1 (seed 001 / 002)', () => {
    const b = marrow('2015-02-02', 68);
    const flags = only(run([c.course], [...c.infusions, b]), 'high-disease-burden');
    expect(flags.map((f) => [f.severity, f.episodeKey, f.identifiedAt, f.detail])).toEqual([
      ['low', 'baseline', '2015-02-09', 'Marrow blasts 68% on 2015-02-02, 7 days before day 1 (>50%)'],
    ]);
    expect(evidenceOf(flags[0])).toEqual(refs(b));
  });

  it.each([
    ['50% exactly', marrow('2015-02-02', 50)],
    ['68% 40 days before day 1', marrow('2014-12-31', 68)],
    ['68% after day 1', marrow('2015-02-20', 68)],
  ])('does not raise: %s', (_label, b) => {
    expect(only(run([c.course], [...c.infusions, b]), 'high-disease-burden')).toEqual([]);
  });
});

describe('prior-extramedullary-disease', () => {
  it('raises on EM disease documented before day 1, at any time (seed 001 / 003)', () => {
    const cns = em('2013-11-02', { cnsStatus: 'CNS2' });
    const flags = only(run([c.course], [...c.infusions, cns]), 'prior-extramedullary-disease');
    expect(flags.map((f) => [f.severity, f.episodeKey, f.detail])).toEqual([
      ['low', 'baseline', 'Extramedullary disease before day 1: 1 finding(s), latest 2013-11-02 (CNS2)'],
    ]);
  });

  it('does not raise for EM disease from day 1 on', () => {
    expect(only(run([c.course], [...c.infusions, em('2015-02-09')]), 'prior-extramedullary-disease')).toEqual(
      [],
    );
  });
});

describe('high-disease-burden with a charted comparator', () => {
  it.each([
    ['">50%"', { percent: 50, comparator: '>' as const }, 1],
    ['">40%"', { percent: 40, comparator: '>' as const }, 0],
    ['"<60%"', { percent: 60, comparator: '<' as const }, 0],
  ])('%s', (_label, value, n) => {
    const b = ev('MarrowBlasts', '2015-02-02', value);
    expect(only(run([c.course], [...c.infusions, b]), 'high-disease-burden')).toHaveLength(n);
  });
});
