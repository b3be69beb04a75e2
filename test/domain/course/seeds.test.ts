/**
 * The seed case reports, rebuilt as event timelines (dates are plausible where a report gives only the
 * month) and assembled. See the shared seeds for the narratives.
 */
import { assemble } from '../../../src/domain/course/index';
import { plusDays, Timeline } from './builders';

describe('seed 002: r/r course with CRS hold, maintenance course, re-treatment after relapse', () => {
  const t = new Timeline('hospa.seed002');
  t.diagnosis('2014-01-10');
  t.marrow('2014-02-17', 1.8);
  t.counts('2014-02-17', 140, 1.43);
  const firstRelapse = t.marrow('2014-11-10', 79);
  t.marrow('2015-01-05', 43);
  t.marrow('2015-01-28', 68);
  // Feb 2015: 9 mcg/day from day 1; CRS on day 3; held 2 days; restarted at 9 (9 days at 9 in total);
  // then 28 mcg/day up to infusion day 28.
  t.daily('2015-02-02', 3, { mcgPerDay: 9 });
  const crs = t.toxicity('2015-02-04', 'crs', 3);
  const hold = t.infusion({ at: '2015-02-05T08:00:00Z', status: 'not-done', mcgPerDay: 9 });
  t.daily('2015-02-07', 6, { mcgPerDay: 9 });
  t.daily('2015-02-13', 19, { mcgPerDay: 28 });
  t.marrow('2015-03-05', 1);
  t.counts('2015-03-05', 247, 1.2);
  t.marrow('2015-08-20', 1);
  // Sept 2015: a two-week maintenance cycle.
  t.daily('2015-09-07', 14, { mcgPerDay: 28 });
  // Feb 2016: relapse (CD19 dim), re-treatment, refractory two weeks later.
  t.counts('2016-02-08', 75, 3);
  const relapse = t.marrow('2016-02-09', 40);
  t.daily('2016-02-15', 7, { mcgPerDay: 9 });
  t.daily('2016-02-22', 7, { mcgPerDay: 28 });
  t.counts('2016-02-29', 19, 0.4);
  t.peripheralBlasts('2016-02-29', 71);
  t.count('2016-03-25', 'wbc', 50); // "receiving additional treatment": data goes on after the stop
  const courses = assemble(t.events());

  it('gives three courses: the gaps are 187 and 147 drug-free days (> 14 + 120)', () => {
    expect(courses.map((c) => c.start)).toEqual([
      '2015-02-02T08:00:00Z',
      '2015-09-07T08:00:00Z',
      '2016-02-15T08:00:00Z',
    ]);
  });

  it('course 1: one 28-day r/r cycle with a 2-day hold that is not a toxicity restart, CR, completed', () => {
    const c = courses[0]!;
    expect(c).toMatchObject({
      indication: 'relapsed-refractory',
      status: 'completed',
      endReason: 'completed',
    });
    expect(c.cycles).toHaveLength(1);
    const [cycle] = c.cycles;
    expect(cycle!.infusionDays).toBe(28);
    expect(cycle!.interruptions).toHaveLength(1);
    expect(cycle!.interruptions[0]).toMatchObject({ days: 2, hours: 48, opensNewCycle: false });
    expect(cycle!.interruptions[0]!.evidence).toContainEqual(hold.source);
    expect(cycle!.doseSteps.map((s) => s.mcgPerDay)).toEqual([9, 28]);
    expect(cycle!.doseSteps[0]!.evidence).toHaveLength(9);
    expect(c.toxicityRestarts).toEqual([]);
    expect(cycle!.response.category).toBe('CR');
    expect(c.links).toContainEqual(
      expect.objectContaining({ kind: 'toxicity', timing: 'during', evidence: [crs.source] }),
    );
    expect(c.links).toContainEqual(
      expect.objectContaining({ kind: 'relapse', timing: 'before', evidence: [firstRelapse.source] }),
    );
    expect(c.diagnoses).toHaveLength(1);
  });

  it('course 2: a 14-day course at 28 mcg/day from day 1, stopped, reason unknown, relapse after it', () => {
    const c = courses[1]!;
    expect(c).toMatchObject({ indication: 'mrd-positive', status: 'stopped', endReason: 'unknown' });
    expect(c.cycles.map((x) => x.infusionDays)).toEqual([14]);
    expect(c.cycles[0]!.response.category).toBe('not-assessed');
    expect(c.links).toContainEqual(
      expect.objectContaining({ kind: 'relapse', timing: 'after', evidence: [relapse.source] }),
    );
  });

  it('course 3: re-treatment stopped at day 14 for progression', () => {
    const c = courses[2]!;
    expect(c).toMatchObject({
      number: 3,
      indication: 'relapsed-refractory',
      status: 'stopped',
      endReason: 'progression',
    });
    expect(c.links).toContainEqual(
      expect.objectContaining({ kind: 'relapse', timing: 'before', evidence: [relapse.source] }),
    );
  });
});

describe('seed 000: MRD-positive, MRD+ after three cycles, myeloid sarcoma during cycle 4', () => {
  const t = new Timeline('hospa.seed000');
  const starts = [0, 1, 2, 3].map((k) => plusDays('2019-03-04', k * 42));
  starts.slice(0, 3).forEach((s, k) => {
    t.daily(s, 28, { mcgPerDay: 28 });
    t.marrow(plusDays(s, 29), 2);
    t.counts(plusDays(s, 29), 180, 2.5);
    t.mrd(plusDays(s, 29), { fraction: [2e-3, 1.5e-3, 1e-3][k]! });
  });
  t.daily(starts[3]!, 20, { mcgPerDay: 28 });
  t.extramedullary(plusDays(starts[3]!, 19), { myeloidSarcoma: true });
  t.myeloid(plusDays(starts[3]!, 19), 'myeloid-sarcoma');
  t.count(plusDays(starts[3]!, 90), 'wbc', 5);
  const [course, ...rest] = assemble(t.events());

  it('is one MRD-positive course of four cycles', () => {
    expect(rest).toEqual([]);
    expect(course!.indication).toBe('mrd-positive');
    expect(course!.cycles.map((c) => c.infusionDays)).toEqual([28, 28, 28, 20]);
  });

  it('keeps morphological CR with positive MRD after cycles 1–3', () => {
    expect(
      course!.cycles.slice(0, 3).map((c) => [c.response.category, c.response.mrd, c.response.mrdFraction]),
    ).toEqual([
      ['CR', 'positive', 2e-3],
      ['CR', 'positive', 1.5e-3],
      ['CR', 'positive', 1e-3],
    ]);
    expect(course!.cycles[3]!.response.category).toBe('not-assessed');
  });

  it('links the myeloid sarcoma as relapse during the course and ends it for progression', () => {
    expect(course!.links.filter((l) => l.kind === 'relapse').map((l) => l.timing)).toEqual([
      'during',
      'during',
    ]);
    expect(course).toMatchObject({ status: 'stopped', endReason: 'progression' });
  });
});

describe('seed 004: MAS in cycle 2, hold, restart at 9 mcg/day', () => {
  const t = new Timeline('hospa.seed004');
  t.daily('2023-05-01', 7, { mcgPerDay: 9 });
  t.daily('2023-05-08', 21, { mcgPerDay: 28 });
  t.marrow('2023-05-30', 1);
  t.counts('2023-05-30', 160, 2);
  t.mrd('2023-05-30', { detected: false, sensitivity: 1e-4 });
  const lastAt28 = t.daily('2023-06-12', 6, { mcgPerDay: 28 })[5]!;
  const mas = t.toxicity('2023-06-17', 'hlh-mas');
  const restart = t.daily('2023-06-22', 22, { mcgPerDay: 9 })[0]!;
  t.count('2023-09-01', 'wbc', 5);
  const [course] = assemble(t.events());

  it('keeps the 4-day hold inside cycle 2 and records a toxicity restart 28 → 9', () => {
    expect(course!.cycles.map((c) => c.infusionDays)).toEqual([28, 28]);
    expect(course!.cycles[1]!.interruptions).toMatchObject([{ days: 4, opensNewCycle: false }]);
    expect(course!.toxicityRestarts).toEqual([
      {
        at: restart.at,
        fromMcgPerDay: 28,
        toMcgPerDay: 9,
        evidence: [lastAt28.source, restart.source].sort((a, b) => (a.id < b.id ? -1 : 1)),
      },
    ]);
  });

  it('has a complete MRD response after cycle 1 and links MAS during the course', () => {
    expect(course!.indication).toBe('relapsed-refractory');
    expect(course!.cycles[0]!.response).toMatchObject({ category: 'CR', mrd: 'complete' });
    expect(course!.links).toEqual([
      { kind: 'toxicity', timing: 'during', at: '2023-06-17', detail: 'HLH/MAS', evidence: [mas.source] },
    ]);
    expect(course).toMatchObject({ status: 'completed', endReason: 'completed' });
  });
});
