/**
 * Infusion days from continuous coverage (clinical-rules §2, issue 10 defect 2): bag changes drifting past
 * midnight, across DST changes and with the ward's offset, must neither lose nor add a day; a real hold
 * (≥ 4 h) is still an interruption.
 */
import fc from 'fast-check';
import { assemble } from '../../../src/domain/course/index';
import { flagPatient } from '../../../src/domain/flags';
import { HOUR_MS, toMs } from '../../../src/domain/time';
import { Timeline } from './builders';

const MIN_MS = 60_000;

/** An ISO dateTime with the given UTC offset (e.g. '+02:00') for the instant `ms`. */
function withOffset(ms: number, offset: string): string {
  const sign = offset.startsWith('-') ? -1 : 1;
  const [h, m] = offset.slice(1).split(':').map(Number);
  const local = new Date(ms + sign * (h! * 60 + m!) * MIN_MS).toISOString().slice(0, 19);
  return `${local}${offset}`;
}

/** Europe/Berlin in 2026: +02:00 from 29 March 01:00 UTC to 25 October 01:00 UTC, else +01:00. */
function berlin(ms: number): string {
  const summer = ms >= Date.UTC(2026, 2, 29, 1) && ms < Date.UTC(2026, 9, 25, 1);
  return withOffset(ms, summer ? '+02:00' : '+01:00');
}

/** America/New_York in 2026: −04:00 from 8 March 07:00 UTC to 1 November 06:00 UTC, else −05:00. */
function newYork(ms: number): string {
  const summer = ms >= Date.UTC(2026, 2, 8, 7) && ms < Date.UTC(2026, 10, 1, 6);
  return withOffset(ms, summer ? '-04:00' : '-05:00');
}

interface BagPlan {
  /** Instants (epoch ms) the bags are hung at; each runs until `hours` later. */
  starts: number[];
  hours: number;
  zone: (ms: number) => string;
}

/** Hung times drifting by `driftMin` minutes per change from a first bag at `first`. */
function drifting(first: number, bags: number, driftMin: number, hours = 24): number[] {
  return Array.from({ length: bags }, (_, i) => first + i * (hours * HOUR_MS + driftMin * MIN_MS));
}

function chart(t: Timeline, plan: BagPlan, mcgPerDay = 28) {
  return plan.starts.map((s) =>
    t.infusion({ at: plan.zone(s), end: plan.zone(s + plan.hours * HOUR_MS), mcgPerDay }),
  );
}

/** Changes alternating just before and just after midnight: 23:45, 00:05 two calendar days later, 23:45… */
function alternating(first: number, bags: number): number[] {
  return Array.from({ length: bags }, (_, i) => first + i * 24 * HOUR_MS + (i % 2) * 20 * MIN_MS);
}

const CASES: { name: string; plan: BagPlan }[] = [
  {
    name: 'changes alternating 23:45 / 00:05 across midnight, Berlin',
    plan: { starts: alternating(Date.UTC(2026, 0, 5, 22, 45), 28), hours: 24, zone: berlin },
  },
  {
    name: 'changes alternating 23:45 / 00:05 across midnight and the spring DST change, Berlin',
    plan: { starts: alternating(Date.UTC(2026, 2, 15, 22, 45), 28), hours: 24, zone: berlin },
  },
  {
    name: 'changes at 23:45 drifting +20 min (00:05 two calendar days later), UTC',
    plan: {
      starts: drifting(Date.UTC(2026, 0, 5, 23, 45), 28, 20),
      hours: 24,
      zone: (ms) => withOffset(ms, '+00:00'),
    },
  },
  {
    name: 'changes at 23:45 local drifting +25 min, Berlin winter',
    plan: { starts: drifting(Date.UTC(2026, 0, 5, 22, 45), 28, 25), hours: 24, zone: berlin },
  },
  {
    name: 'changes drifting −20 min across midnight (00:10 → 23:50 the same day), Berlin',
    plan: { starts: drifting(Date.UTC(2026, 1, 1, 23, 10), 28, -20), hours: 24, zone: berlin },
  },
  {
    name: 'daily 08:00 local across the spring DST change (one 23-h day), Berlin',
    plan: {
      starts: Array.from(
        { length: 28 },
        (_, i) => Date.UTC(2026, 2, 15 + i, 8) - (15 + i >= 29 ? 2 : 1) * HOUR_MS,
      ),
      hours: 24,
      zone: berlin,
    },
  },
  {
    name: 'bags hung at 23:50 local across the autumn DST change (one 25-h day), New York',
    plan: {
      starts: Array.from(
        { length: 28 },
        (_, i) => Date.UTC(2026, 9, 20 + i, 23, 50) + (20 + i >= 32 ? 5 : 4) * HOUR_MS,
      ),
      hours: 24,
      zone: newYork,
    },
  },
  {
    name: '96-h bags (seven) changed at drifting times across midnight',
    plan: { starts: drifting(Date.UTC(2026, 4, 3, 23, 30), 7, 40, 96), hours: 96, zone: berlin },
  },
];

describe('infusion days from continuous coverage', () => {
  it.each(CASES)(
    '$name: one 28-day cycle, no interruption, then the free interval opens cycle 2',
    ({ plan }) => {
      const t = new Timeline('hospa.runs');
      chart(t, plan);
      // after the 14-day free interval, a second cycle of daily bags
      const lastEnd = plan.starts[plan.starts.length - 1]! + plan.hours * HOUR_MS;
      chart(t, { starts: drifting(lastEnd + 14 * 24 * HOUR_MS, 28, 15), hours: 24, zone: plan.zone });
      const courses = assemble(t.events());
      expect(courses).toHaveLength(1);
      const [c1, c2] = courses[0]!.cycles;
      expect(courses[0]!.cycles).toHaveLength(2);
      expect(c1).toMatchObject({ number: 1, infusionDays: 28, interruptions: [] });
      expect(c2).toMatchObject({ number: 2, infusionDays: 28, interruptions: [] });
      const codes = flagPatient(courses, t.events()).map((f) => f.code);
      expect(codes).not.toContain('treatment-interruption');
    },
  );

  it('a hold of 6 h at a change-over is still an interruption inside the cycle; days add up to 28', () => {
    const t = new Timeline('hospa.hold');
    const first = Date.UTC(2026, 0, 5, 23, 45);
    const before = drifting(first, 10, 20);
    const resume = before[9]! + 24 * HOUR_MS + 6 * HOUR_MS;
    chart(t, { starts: [...before, ...drifting(resume, 18, 20)], hours: 24, zone: berlin });
    const [course] = assemble(t.events());
    expect(course!.cycles).toHaveLength(1);
    expect(course!.cycles[0]!.infusionDays).toBe(28);
    expect(course!.cycles[0]!.interruptions).toHaveLength(1);
    expect(course!.cycles[0]!.interruptions[0]).toMatchObject({ hours: 6, days: 0, opensNewCycle: false });
  });

  it.each([
    ['1 h', 60],
    ['3 h 59 min', 239],
  ])('change-over gaps of %s are continuous and not credited: 28 bags are 28 days', (_, gapMin) => {
    const t = new Timeline('hospa.gap');
    const starts = Array.from(
      { length: 28 },
      (_, i) => Date.UTC(2026, 5, 1, 8) + i * (24 * HOUR_MS + gapMin * MIN_MS),
    );
    chart(t, { starts, hours: 24, zone: berlin });
    const [course] = assemble(t.events());
    expect(course!.cycles).toHaveLength(1);
    expect(course!.cycles[0]!.interruptions).toEqual([]);
    expect(course!.cycles[0]!.infusionDays).toBe(28);
  });

  it('23-h bags hung daily at the same time are 24-h bags (within the 2-h tolerance)', () => {
    const t = new Timeline('hospa.short');
    chart(t, { starts: drifting(Date.UTC(2026, 5, 1, 8), 28, 0), hours: 23, zone: berlin });
    expect(assemble(t.events())[0]!.cycles[0]!.infusionDays).toBe(28);
  });

  it('property: any drift below 25 min per change keeps 28 daily bags at 28 infusion days, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -25, max: 25 }), { minLength: 28, maxLength: 28 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(berlin, newYork),
        fc.integer({ min: 0, max: 1000 }),
        (drifts, hour, zone, seed) => {
          let at = Date.UTC(2026, 2, 1, hour);
          const starts = drifts.map((d) => {
            const s = at;
            at += 24 * HOUR_MS + d * MIN_MS;
            return s;
          });
          const t = new Timeline('hospa.prop');
          chart(t, { starts, hours: 24, zone });
          const events = t.events();
          const shuffled = [...events].sort(
            (a, b) => ((toMs(a.at) * 7 + seed) % 13) - ((toMs(b.at) * 7 + seed) % 13),
          );
          const courses = assemble([...shuffled, ...events.slice(0, 5)]);
          expect(courses).toEqual(assemble(events));
          expect(courses[0]!.cycles.map((c) => c.infusionDays)).toEqual([28]);
          expect(courses[0]!.cycles[0]!.interruptions).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
