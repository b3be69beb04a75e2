import { count, dex, ev, ferritin, liver, standardCourse, temp, toci, tox } from './builders';
import { evidenceOf, only, refs, run } from './helpers';

const c = standardCourse('2015-02-09', 1); // cycle 1: 2015-02-09 .. 2015-03-09 (+7 days grace)
const norepi = ev('VasopressorGiven', '2015-02-11T15:00:00Z', { agent: 'norepinephrine' });
const vasopressin = ev('VasopressorGiven', '2015-02-11T18:00:00Z', { agent: 'vasopressin' });
const o2 = (level: 'low-flow' | 'high-flow' | 'positive-pressure') =>
  ev('OxygenSupport', '2015-02-12', { level });

describe('crs', () => {
  it('takes the coded ICD-10-CM grade (seed 002: D89.833 on day 3)', () => {
    const coded = tox('2015-02-11T12:00:00Z', 'crs', 3);
    const flags = only(run([c.course], [...c.infusions, coded, norepi]), 'crs');
    expect(flags.map((f) => [f.grade, f.severity, f.episodeKey, f.detail])).toEqual([
      [3, 'high', 'cycle-1', 'CRS grade 3 on day 3 of cycle 1 (coded grade)'],
    ]);
    expect(evidenceOf(flags[0])).toEqual(refs(coded));
  });

  const fever = temp('2015-02-11T11:00:00Z', 39.3);
  const given = toci('2015-02-11T16:00:00Z');
  it.each([
    ['fever only', [], 1, 'low'],
    ['low-flow oxygen', [o2('low-flow')], 2, 'moderate'],
    ['one vasopressor agent', [norepi], 3, 'high'],
    ['high-flow oxygen', [o2('high-flow')], 3, 'high'],
    ['several vasopressor agents', [norepi, vasopressin], 4, 'high'],
    ['positive pressure', [o2('positive-pressure')], 4, 'high'],
  ])('surrogate tocilizumab + fever, ASTCT grade from %s', (_label, extra, grade, severity) => {
    const flags = only(run([c.course], [...c.infusions, fever, given, ...extra]), 'crs');
    expect(flags.map((f) => [f.grade, f.severity])).toEqual([[grade, severity]]);
    expect(evidenceOf(flags[0])).toEqual(refs(fever, given, ...extra));
  });

  it('a coded CRS without grade and without fever stays ungraded (moderate)', () => {
    const flags = only(run([c.course], [...c.infusions, tox('2015-02-12', 'crs')]), 'crs');
    expect(flags.map((f) => [f.grade, f.severity])).toEqual([[undefined, 'moderate']]);
    expect(flags[0]).not.toHaveProperty('grade');
  });

  it.each([
    ['tocilizumab without fever', [given, temp('2015-02-11T11:00:00Z', 37.6)]],
    ['fever without tocilizumab', [fever]],
    ['fever two days before tocilizumab', [temp('2015-02-09T11:00:00Z', 39), given]],
    ['tocilizumab + fever outside any cycle', [temp('2015-04-20', 39), toci('2015-04-20')]],
    [
      'tocilizumab + fever in a cycle with coded HLH/MAS (treats HLH)',
      [fever, given, tox('2015-02-11', 'hlh-mas')],
    ],
  ])('does not raise: %s', (_label, extra) => {
    expect(only(run([c.course], [...c.infusions, ...extra]), 'crs')).toEqual([]);
  });

  it('once per cycle: two CRS records in one cycle are one episode with the highest grade', () => {
    const flags = only(
      run([c.course], [...c.infusions, tox('2015-02-11', 'crs', 1), tox('2015-02-12', 'crs', 2)]),
      'crs',
    );
    expect(flags.map((f) => [f.episodeKey, f.grade])).toEqual([['cycle-1', 2]]);
  });
});

describe('icans', () => {
  it('raises with the coded G92.0x grade', () => {
    const flags = only(run([c.course], [...c.infusions, tox('2015-02-14', 'icans', 2)]), 'icans');
    expect(flags.map((f) => [f.grade, f.severity, f.detail])).toEqual([
      [2, 'moderate', 'ICANS grade 2 on day 6 of cycle 1'],
    ]);
  });
  it('does not raise outside a cycle', () => {
    expect(only(run([c.course], [...c.infusions, tox('2015-05-01', 'icans', 2)]), 'icans')).toEqual([]);
  });
});

describe('hlh-mas', () => {
  // Seed 004 shape, in cycle 1 of this course.
  const f = ferritin('2015-02-20', 2000);
  const anc = count('2015-02-20', 'anc', 0.2);
  const plt = count('2015-02-20', 'platelets', 48);
  const alt = liver('2015-02-20', 'alt', 120, 56);
  const d = dex('2015-02-21');

  it('raises on a coded HLH/MAS condition (D76.1)', () => {
    const coded = tox('2015-02-20', 'hlh-mas');
    const flags = only(run([c.course], [...c.infusions, coded]), 'hlh-mas');
    expect(flags.map((x) => [x.severity, x.episodeKey, x.detail])).toEqual([
      ['high', 'cycle-1', 'HLH/MAS on day 12 of cycle 1: coded'],
    ]);
  });

  it('raises on ferritin >10,000 during a cycle', () => {
    expect(only(run([c.course], [...c.infusions, ferritin('2015-02-20', 24600)]), 'hlh-mas')[0].detail).toBe(
      'HLH/MAS on day 12 of cycle 1: ferritin 24600 ng/mL',
    );
  });

  it('raises on ferritin ≥500 + neutrophil and platelet cytopenia + ALT > ULN, then dexamethasone', () => {
    const flags = only(run([c.course], [...c.infusions, f, anc, plt, alt, d]), 'hlh-mas');
    expect(flags).toHaveLength(1);
    expect(evidenceOf(flags[0])).toEqual(refs(f, anc, plt, alt, d));
  });

  it('WBC stands in for the neutrophil lineage when no ANC is charted', () => {
    const wbc = count('2015-02-20', 'wbc', 0.6);
    expect(
      only(run([c.course], [...c.infusions, f, wbc, plt, alt, toci('2015-02-20')]), 'hlh-mas'),
    ).toHaveLength(1);
  });

  it.each([
    ['no tocilizumab / dexamethasone after it', [f, anc, plt, alt]],
    ['treatment 5 days later', [f, anc, plt, alt, dex('2015-02-25')]],
    ['one lineage only (platelets)', [f, count('2015-02-20', 'anc', 1.5), plt, alt, d]],
    ['liver values within ULN', [f, anc, plt, liver('2015-02-20', 'alt', 40, 56), d]],
    ['ALT without a charted ULN', [f, anc, plt, liver('2015-02-20', 'alt', 400), d]],
    ['ferritin 9,000 alone', [ferritin('2015-02-20', 9000)]],
    ['ferritin 450 with every other criterion', [ferritin('2015-02-20', 450), anc, plt, alt, d]],
  ])('does not raise: %s', (_label, extra) => {
    expect(only(run([c.course], [...c.infusions, ...extra]), 'hlh-mas')).toEqual([]);
  });
});
