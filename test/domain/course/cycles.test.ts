import { assemble } from '../../../src/domain/course/index';
import { plusDays, Timeline } from './builders';

const R28 = { mcgPerDay: 28 };

describe('courses without blinatumomab', () => {
  it('gives no course for a patient with no blinatumomab', () => {
    const t = new Timeline();
    t.marrow('2020-01-01', 40);
    t.toxicity('2020-01-02', 'crs', 2);
    expect(assemble(t.events())).toEqual([]);
    expect(assemble([])).toEqual([]);
  });

  it('does not count not-done administrations as drug given', () => {
    const t = new Timeline();
    t.infusion({ at: '2020-01-01', status: 'not-done', mcgPerDay: 9 });
    expect(assemble(t.events())).toEqual([]);
  });

  it('refuses events of two patients', () => {
    const a = new Timeline('hospa.1');
    const b = new Timeline('hospa.2');
    a.daily('2020-01-01', 1, R28);
    b.daily('2020-01-01', 1, R28);
    expect(() => assemble([...a.events(), ...b.events()])).toThrow(RangeError);
  });
});

describe('course boundaries', () => {
  // Last infusion day 2020-01-28; the next course starts after more than 14 + 120 drug-free days.
  const withGap = (drugFreeDays: number, between?: (t: Timeline) => void) => {
    const t = new Timeline();
    t.daily('2020-01-01', 28, R28);
    between?.(t);
    t.daily(plusDays('2020-01-28', drugFreeDays + 1), 28, R28);
    return assemble(t.events());
  };

  it('keeps a gap of 134 drug-free days after cycle 1 in the same course', () => {
    const courses = withGap(134);
    expect(courses).toHaveLength(1);
    expect(courses[0]!.cycles.map((c) => c.number)).toEqual([1, 2]);
  });

  it('starts a new course after 135 drug-free days', () => {
    const courses = withGap(135);
    expect(courses.map((c) => c.number)).toEqual([1, 2]);
    expect(courses[1]!.start).toBe(`${plusDays('2020-01-28', 136)}T08:00:00Z`);
    expect(courses[1]!.cycles[0]!.number).toBe(1);
  });

  it('uses the 56-day free interval after a continued-therapy cycle (6+): 176 days same course, 177 new', () => {
    const build = (gap: number) => {
      const t = new Timeline();
      for (let k = 0; k < 6; k++) t.daily(plusDays('2020-01-01', k * 42), 28, R28);
      const last = plusDays('2020-01-01', 5 * 42 + 27);
      t.daily(plusDays(last, gap + 1), 28, R28);
      return assemble(t.events());
    };
    expect(build(176)).toHaveLength(1);
    expect(build(176)[0]!.cycles).toHaveLength(7);
    expect(build(177)).toHaveLength(2);
  });

  it('starts a new course on re-treatment after relapse even within the margin', () => {
    const courses = withGap(60, (t) => {
      t.marrow('2020-01-29', 1);
      t.marrow('2020-03-10', 40);
    });
    expect(courses).toHaveLength(2);
  });

  it('starts a new course after an HSCT in the gap', () => {
    expect(withGap(60, (t) => t.hsct('2020-02-20'))).toHaveLength(2);
  });

  it('keeps the course when the gap has no relapse or cell therapy', () => {
    const courses = withGap(60, (t) => t.marrow('2020-01-29', 1));
    expect(courses).toHaveLength(1);
    expect(courses[0]!.cycles).toHaveLength(2);
  });

  it('never splits a course inside the regular free interval, even with relapse evidence', () => {
    const courses = withGap(14, (t) => t.diagnosis('2020-02-05', { relapse: true }));
    expect(courses).toHaveLength(1);
  });
});

describe('cycles', () => {
  it('cuts 56 days of continuous infusion into two 28-day cycles', () => {
    const t = new Timeline();
    const bags = t.daily('2020-01-01', 56, R28);
    const [course] = assemble(t.events());
    expect(course!.cycles.map((c) => c.infusionDays)).toEqual([28, 28]);
    expect(course!.cycles[1]!.start).toBe(bags[28]!.at);
    expect(course!.cycles.flatMap((c) => c.interruptions)).toEqual([]);
  });

  it('does not record the free interval after a full cycle as an interruption', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 28, R28);
    t.daily('2020-02-12', 28, R28);
    const [course] = assemble(t.events());
    expect(course!.cycles.map((c) => c.infusionDays)).toEqual([28, 28]);
    expect(course!.cycles[0]!.end).toBe('2020-01-29T08:00:00Z');
    expect(course!.cycles[0]!.interruptions).toEqual([]);
  });

  it('continues the cycle over a 7-day interruption (days before and after add up)', () => {
    const t = new Timeline();
    const before = t.daily('2020-01-01', 10, R28);
    const after = t.daily('2020-01-18', 18, R28);
    const [course] = assemble(t.events());
    expect(course!.cycles).toHaveLength(1);
    expect(course!.cycles[0]!.infusionDays).toBe(28);
    expect(course!.cycles[0]!.interruptions).toEqual([
      {
        start: '2020-01-11T08:00:00Z',
        end: '2020-01-18T08:00:00Z',
        hours: 168,
        days: 7,
        opensNewCycle: false,
        evidence: [before[9]!.source, after[0]!.source].sort((a, b) => (a.id < b.id ? -1 : 1)),
      },
    ]);
  });

  it('opens a new cycle after an 8-day interruption and records it on the cycle it ended', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 10, R28);
    t.daily('2020-01-19', 18, R28);
    const [course] = assemble(t.events());
    expect(course!.cycles.map((c) => c.infusionDays)).toEqual([10, 18]);
    expect(course!.cycles[0]!.interruptions).toMatchObject([{ days: 8, hours: 192, opensNewCycle: true }]);
    expect(course!.cycles[1]!.interruptions).toEqual([]);
  });

  it('records a 6-hour gap between timed bags as an interruption, not a 3-hour one', () => {
    const build = (restart: string) => {
      const t = new Timeline();
      t.infusion({ at: '2020-01-01T08:00:00Z', end: '2020-01-02T08:00:00Z', ...R28 });
      t.infusion({ at: restart, end: '2020-01-04T08:00:00Z', ...R28 });
      return assemble(t.events())[0]!.cycles[0]!;
    };
    expect(build('2020-01-02T14:00:00Z').interruptions).toMatchObject([
      { start: '2020-01-02T08:00:00Z', end: '2020-01-02T14:00:00Z', hours: 6, days: 0, opensNewCycle: false },
    ]);
    expect(build('2020-01-02T11:00:00Z').interruptions).toEqual([]);
  });

  it('needs a whole missing day when the chart has dates only', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 3, R28, null);
    t.daily('2020-01-05', 3, R28, null);
    const cycle = assemble(t.events())[0]!.cycles[0]!;
    expect(cycle.infusionDays).toBe(6);
    expect(cycle.interruptions).toMatchObject([
      { start: '2020-01-04', end: '2020-01-05', hours: 24, days: 1 },
    ]);
  });

  it('adds hold records between the two sides to the interruption evidence', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 3, R28);
    const held = t.infusion({ at: '2020-01-04T08:00:00Z', status: 'not-done', ...R28 });
    t.daily('2020-01-06', 3, R28);
    const [interruption] = assemble(t.events())[0]!.cycles[0]!.interruptions;
    expect(interruption!.evidence).toContainEqual(held.source);
    expect(interruption!.evidence).toHaveLength(3);
  });

  it('counts a 96-h bag as 4 infusion days; seven back to back make one 28-day cycle', () => {
    const t = new Timeline();
    for (let k = 0; k < 7; k++) t.bag(`${plusDays('2020-01-01', 4 * k)}T08:00:00Z`, 96, R28);
    t.marrow('2020-03-15', 1); // later data: the course has ended as of then
    const [course] = assemble(t.events());
    expect(course!.cycles).toHaveLength(1);
    expect(course!.cycles[0]).toMatchObject({
      infusionDays: 28,
      end: '2020-01-29T08:00:00Z',
      interruptions: [],
    });
    expect(course!.end).toBe('2020-01-29T08:00:00Z');
  });

  it('counts a bag without an end on its start day only', () => {
    const t = new Timeline();
    t.infusion({ at: '2020-01-01', ...R28 });
    t.marrow('2020-06-01', 1);
    expect(assemble(t.events())[0]!.cycles[0]!.infusionDays).toBe(1);
  });

  it('runs an in-progress bag without an end to the latest event in the data (capped at 7 days)', () => {
    const t = new Timeline();
    t.infusion({ at: '2020-01-01T08:00:00Z', status: 'in-progress', ...R28 });
    t.count('2020-01-04T06:00:00Z', 'platelets', 80);
    const [course] = assemble(t.events());
    expect(course!.cycles[0]!.infusionDays).toBe(4);
    expect(course!.status).toBe('active');
    expect(course!.end).toBeUndefined();
    expect(course!.cycles[0]!.end).toBeUndefined();
    t.count('2020-01-30', 'platelets', 80);
    const [later] = assemble(t.events());
    expect(later!.cycles[0]!.infusionDays).toBe(7);
    // a bag still "in progress" weeks later in the data is a stale record, not a running course
    expect(later!.status).toBe('stopped');
  });

  it('splits one bag that runs past day 28 across two cycles', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 26, R28);
    const long = t.bag('2020-01-27T08:00:00Z', 96, R28);
    const [course] = assemble(t.events());
    expect(course!.cycles.map((c) => c.infusionDays)).toEqual([28, 2]);
    expect(course!.cycles[0]!.end).toBe('2020-01-29');
    expect(course!.cycles[1]!.start).toBe('2020-01-29');
    expect(course!.cycles[0]!.evidence).toContainEqual(long.source);
    expect(course!.cycles[1]!.evidence).toEqual([long.source]);
  });
});
