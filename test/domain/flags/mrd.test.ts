import { mrd, standardCourse } from './builders';
import { evidenceOf, only, refs, run } from './helpers';

describe('mrd-persistent', () => {
  const { course, infusions } = standardCourse('2019-01-07', 3); // cycles start 01-07, 02-18, 04-01

  it('raises one episode for MRD positive after cycles 1–3, detail from the latest cycle (seed 000)', () => {
    const m = [mrd('2019-02-01', 0.0012), mrd('2019-03-15', 0.0009), mrd('2019-04-26', 0.0015)];
    const flags = only(run([course], [...infusions, ...m]), 'mrd-persistent');
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      episodeKey: 'from-cycle-1',
      severity: 'high',
      identifiedAt: '2019-02-01',
      detail: 'MRD 0.15% after cycle 3 (≥10⁻⁴)',
    });
    expect(evidenceOf(flags[0])).toEqual(refs(...m));
  });

  it.each([
    ['moderate below 10⁻³ after cycle 1 only', 0.0005, 'moderate'],
    ['high at ≥10⁻³ after cycle 1', 0.002, 'high'],
  ])('%s', (_label, fraction, severity) => {
    const one = standardCourse('2019-01-07', 1);
    const flags = only(run([one.course], [...one.infusions, mrd('2019-02-01', fraction)]), 'mrd-persistent');
    expect(flags.map((f) => f.severity)).toEqual([severity]);
  });

  it('high once the run reaches cycle 2 even below 10⁻³', () => {
    const m = [mrd('2019-02-01', 0.0002), mrd('2019-03-15', 0.0003)];
    expect(only(run([course], [...infusions, ...m]), 'mrd-persistent')[0].severity).toBe('high');
  });

  it('a negative cycle ends the run; positivity after it is a new episode', () => {
    const m = [mrd('2019-02-01', 0.0005), mrd('2019-03-15', 0), mrd('2019-04-26', 0.0004)];
    const flags = only(run([course], [...infusions, ...m]), 'mrd-persistent');
    expect(flags.map((f) => [f.episodeKey, f.severity])).toEqual([
      ['from-cycle-1', 'moderate'],
      ['from-cycle-3', 'high'],
    ]);
  });

  it.each([
    ['MRD below 10⁻⁴', [mrd('2019-02-01', 0.00005)]],
    ['"<0.01%" (below 10⁻⁴ at that sensitivity)', [mrd('2019-02-01', 0.0001, { comparator: '<' })]],
    ['"<1%" is indeterminate, not positive', [mrd('2019-02-01', 0.01, { comparator: '<' })]],
    ['MRD not detected', [mrd('2019-02-01', undefined, { detected: false })]],
    ['positive only on day 5 (not end of cycle)', [mrd('2019-01-11', 0.002)]],
    ['positive only before day 1 (baseline)', [mrd('2019-01-03', 0.002)]],
    ['no MRD at all', []],
  ])('does not raise: %s', (_label, m) => {
    expect(only(run([course], [...infusions, ...m]), 'mrd-persistent')).toEqual([]);
  });

  it('reads the last MRD of the window: negative after an earlier positive in the same cycle', () => {
    const m = [mrd('2019-01-25', 0.002, {}, 'a'), mrd('2019-02-10', 0)];
    expect(only(run([course], [...infusions, ...m]), 'mrd-persistent')).toEqual([]);
  });

  it('the threshold is configuration', () => {
    const m = [mrd('2019-02-01', 0.0005)];
    expect(
      only(run([course], [...infusions, ...m], { mrdPositiveFraction: 1e-3 }), 'mrd-persistent'),
    ).toEqual([]);
  });
});

describe('molecular-relapse', () => {
  const { course, infusions } = standardCourse('2018-03-12', 1);

  it('raises on conversion from <10⁻⁴ to ≥10⁻⁴, once per positive run (seed 003)', () => {
    const m = [
      mrd('2018-04-06', 0.0001, { comparator: '<' }),
      mrd('2019-01-07', 0.0003),
      mrd('2019-02-04', 0.004),
    ];
    const flags = only(run([course], [...infusions, ...m]), 'molecular-relapse');
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      episodeKey: 'mrd-2019-01-07',
      severity: 'moderate',
      detail: 'MRD 0.03% on 2019-01-07 after MRD <0.01% on 2018-04-06 (conversion)',
    });
    expect(evidenceOf(flags[0])).toEqual(refs(m[0], m[1]));
  });

  it('raises on a ≥1 log rise of quantifiable MRD without a prior negative', () => {
    const m = [mrd('2018-06-01', 0.0002), mrd('2018-07-01', 0.003)];
    const flags = only(run([course], [...infusions, ...m]), 'molecular-relapse');
    expect(flags.map((f) => [f.episodeKey, f.severity])).toEqual([['mrd-2018-07-01', 'high']]);
  });

  it('does not raise on a rise below 1 log, nor on the first MRD', () => {
    const m = [mrd('2018-06-01', 0.0002), mrd('2018-07-01', 0.0015)];
    expect(only(run([course], [...infusions, ...m]), 'molecular-relapse')).toEqual([]);
  });

  it('a new negative starts a new run: two conversions, two episodes', () => {
    const m = [
      mrd('2018-05-01', 0),
      mrd('2018-06-01', 0.0005),
      mrd('2018-07-01', 0),
      mrd('2018-08-01', 0.0005),
    ];
    expect(only(run([course], [...infusions, ...m]), 'molecular-relapse').map((f) => f.episodeKey)).toEqual([
      'mrd-2018-06-01',
      'mrd-2018-08-01',
    ]);
  });

  it('belongs to the course whose window holds the trigger', () => {
    const second = standardCourse('2019-01-01', 1, { number: 2, id: 'course-2' });
    const m = [mrd('2018-05-01', 0), mrd('2019-02-01', 0.0005)];
    const flags = only(
      run([course, second.course], [...infusions, ...second.infusions, ...m]),
      'molecular-relapse',
    );
    expect(flags.map((f) => f.courseId)).toEqual(['course-2']);
  });
});
