import type { Interruption } from '../../../src/domain/course';
import { course, cycle, infusion, liver, standardCourse, tox } from './builders';
import { evidenceOf, only, refs, run } from './helpers';

const c = standardCourse('2015-02-09', 1); // cycle 1: 2015-02-09 .. 2015-03-09 (+7 days grace)

describe('hepatotoxicity', () => {
  it.each([
    ['ALT 6× ULN', liver('2015-02-20', 'alt', 300, 50), 'moderate', 'ALT 6× ULN in cycle 1 (>5× ULN)'],
    [
      'AST 22× ULN (grade 4)',
      liver('2015-02-20', 'ast', 880, 40),
      'high',
      'AST 22× ULN in cycle 1 (>5× ULN)',
    ],
    [
      'bilirubin 4× ULN',
      liver('2015-02-20', 'bilirubin', 4.8, 1.2),
      'moderate',
      'Bilirubin 4× ULN in cycle 1 (>3× ULN)',
    ],
  ])('raises on %s', (_label, value, severity, detail) => {
    const flags = only(run([c.course], [...c.infusions, value]), 'hepatotoxicity');
    expect(flags.map((x) => [x.severity, x.detail])).toEqual([[severity, detail]]);
  });

  it.each([
    ['ALT 4× ULN', liver('2015-02-20', 'alt', 200, 50)],
    ['ALT without ULN', liver('2015-02-20', 'alt', 900)],
    ['ALT 10× ULN after the cycle', liver('2015-05-20', 'alt', 500, 50)],
  ])('does not raise: %s', (_label, value) => {
    expect(only(run([c.course], [...c.infusions, value]), 'hepatotoxicity')).toEqual([]);
  });
});

describe('treatment-interruption', () => {
  const before = infusion('2015-02-09T10:00:00Z', '2015-02-11T14:00:00Z', 9, 'bag-1');
  const after = infusion('2015-02-13T14:00:00Z', '2015-03-09T10:00:00Z', 9, 'bag-2');
  const gap = (i: Partial<Interruption>): Interruption => ({
    start: '2015-02-11T14:00:00Z',
    end: '2015-02-13T14:00:00Z',
    hours: 48,
    days: 2,
    opensNewCycle: false,
    evidence: [before.source, after.source],
    ...i,
  });
  const withGap = (i: Interruption) =>
    course({
      start: before.at,
      end: after.end,
      cycles: [
        cycle({
          number: 1,
          start: before.at,
          end: after.end,
          infusions: [before, after],
          interruptions: [i],
        }),
      ],
    });

  it('raises on a 2-day hold in the same cycle (seed 002), low severity', () => {
    const flags = only(run([withGap(gap({}))], [before, after]), 'treatment-interruption');
    expect(flags.map((f) => [f.severity, f.episodeKey, f.detail])).toEqual([
      [
        'low',
        'cycle-1-2015-02-11',
        'Infusion held 2 day(s) (48 h) in cycle 1 from 2015-02-11; same cycle continued',
      ],
    ]);
    expect(evidenceOf(flags[0])).toEqual(refs(before, after));
  });

  it('moderate when the gap opened a new cycle', () => {
    const flags = only(
      run([withGap(gap({ days: 9, hours: 216, opensNewCycle: true }))], [before, after]),
      'treatment-interruption',
    );
    expect(flags[0].severity).toBe('moderate');
  });

  it.each([
    ['a 3-hour gap with times', gap({ end: '2015-02-11T17:00:00Z', hours: 3, days: 0 })],
    [
      'a same-day gap charted by date only',
      gap({ start: '2015-02-11', end: '2015-02-11', hours: 0, days: 0 }),
    ],
    ['an interruption without evidence', gap({ evidence: [] })],
  ])('does not raise: %s', (_label, i) => {
    expect(only(run([withGap(i)], [before, after]), 'treatment-interruption')).toEqual([]);
  });
});

describe('toxicity-restart', () => {
  const coded = tox('2015-03-03', 'hlh-mas');
  const restartInfusion = infusion('2015-03-06', '2015-03-09', 9, 'restart');
  const restart = { at: '2015-03-06', fromMcgPerDay: 28, toMcgPerDay: 9, evidence: [restartInfusion.source] };

  it('raises with the nearest toxicity flag as evidence (seed 004)', () => {
    const c2 = { ...c.course, toxicityRestarts: [restart] };
    const flags = only(
      run([c2], [...c.infusions, restartInfusion, coded, tox('2015-02-10', 'crs', 1)]),
      'toxicity-restart',
    );
    expect(flags.map((f) => [f.severity, f.episodeKey, f.detail])).toEqual([
      [
        'moderate',
        'restart-2015-03-06',
        'Restart at 9 mcg/day after 28 mcg/day on 2015-03-06; nearest toxicity: hlh-mas (3 days before)',
      ],
    ]);
    expect(evidenceOf(flags[0])).toEqual(refs(coded, restartInfusion));
  });

  it('raises on the restart evidence alone when no toxicity flag exists', () => {
    const c2 = { ...c.course, toxicityRestarts: [restart] };
    const flags = only(run([c2], [...c.infusions, restartInfusion]), 'toxicity-restart');
    expect(evidenceOf(flags[0])).toEqual(refs(restartInfusion));
  });

  it('does not raise without a restart in the course', () => {
    expect(only(run([c.course], [...c.infusions, coded]), 'toxicity-restart')).toEqual([]);
  });
});
