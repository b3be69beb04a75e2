import { assemble } from '../../../src/domain/course/index';
import { plusDays, Timeline } from './builders';

describe('dose steps and indication', () => {
  it('reads 9 then 28 mcg/day in cycle 1 as relapsed-refractory with two steps', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 7, { mcgPerDay: 9 });
    t.daily('2020-01-08', 21, { mcgPerDay: 28 });
    const [course] = assemble(t.events());
    expect(course!.indication).toBe('relapsed-refractory');
    expect(course!.cycles[0]!.doseSteps).toMatchObject([
      { start: '2020-01-01T08:00:00Z', end: '2020-01-08T08:00:00Z', mcgPerDay: 9 },
      { start: '2020-01-08T08:00:00Z', end: '2020-01-29T08:00:00Z', mcgPerDay: 28 },
    ]);
    expect(course!.cycles[0]!.doseSteps[0]!.evidence).toHaveLength(7);
    expect(course!.toxicityRestarts).toEqual([]);
  });

  it('reads 5 then 15 mcg/m²/day as relapsed-refractory and keeps the per-m² rate', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 7, { mcgPerM2PerDay: 5 });
    t.daily('2020-01-08', 21, { mcgPerM2PerDay: 15, mcgPerDay: 18 });
    const [course] = assemble(t.events());
    expect(course!.indication).toBe('relapsed-refractory');
    expect(course!.cycles[0]!.doseSteps.map((s) => [s.mcgPerM2PerDay, s.mcgPerDay])).toEqual([
      [5, undefined],
      [15, 18],
    ]);
  });

  it('reads 28 mcg/day from day 1 as mrd-positive', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 28, { mcgPerDay: 28 });
    const [course] = assemble(t.events());
    expect(course!.indication).toBe('mrd-positive');
    expect(course!.cycles[0]!.doseSteps).toHaveLength(1);
  });

  it.each([
    ['starts at the step dose and never rises', [9, 9]],
    ['starts at another dose', [14, 28]],
  ])('gives unknown when cycle 1 %s', (_label, rates) => {
    const t = new Timeline();
    t.daily('2020-01-01', 7, { mcgPerDay: rates[0]! });
    t.daily('2020-01-08', 7, { mcgPerDay: rates[1]! });
    expect(assemble(t.events())[0]!.indication).toBe('unknown');
  });

  it('gives unknown and no steps when no dose is charted', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 5, {});
    const [course] = assemble(t.events());
    expect(course!.indication).toBe('unknown');
    expect(course!.cycles[0]!.doseSteps).toEqual([]);
  });

  it('keeps one step at 9 over a hold before the target dose (no toxicity restart)', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 3, { mcgPerDay: 9 });
    t.daily('2020-01-06', 6, { mcgPerDay: 9 });
    t.daily('2020-01-12', 19, { mcgPerDay: 28 });
    const [course] = assemble(t.events());
    expect(course!.cycles[0]!.doseSteps.map((s) => s.mcgPerDay)).toEqual([9, 28]);
    expect(course!.toxicityRestarts).toEqual([]);
  });

  it('records a drop back to 9 after 28 as a toxicity restart with the infusions either side', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 7, { mcgPerDay: 9 });
    const at28 = t.daily('2020-01-08', 5, { mcgPerDay: 28 });
    const restart = t.daily('2020-01-15', 7, { mcgPerDay: 9 });
    t.daily('2020-01-22', 9, { mcgPerDay: 28 });
    const [course] = assemble(t.events());
    expect(course!.toxicityRestarts).toEqual([
      {
        at: restart[0]!.at,
        fromMcgPerDay: 28,
        toMcgPerDay: 9,
        evidence: [at28[4]!.source, restart[0]!.source].sort((a, b) => (a.id < b.id ? -1 : 1)),
      },
    ]);
    expect(course!.cycles[0]!.doseSteps.map((s) => s.mcgPerDay)).toEqual([9, 28, 9, 28]);
  });

  it('records a per-m² toxicity restart (15 → 5) in a later cycle', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 7, { mcgPerM2PerDay: 5 });
    t.daily('2020-01-08', 21, { mcgPerM2PerDay: 15 });
    t.daily('2020-02-12', 5, { mcgPerM2PerDay: 15 });
    t.daily(plusDays('2020-02-12', 7), 7, { mcgPerM2PerDay: 5 });
    const [course] = assemble(t.events());
    expect(course!.toxicityRestarts).toMatchObject([{ fromMcgPerM2PerDay: 15, toMcgPerM2PerDay: 5 }]);
    expect(course!.cycles).toHaveLength(2);
  });
});
