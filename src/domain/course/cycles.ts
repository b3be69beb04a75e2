/**
 * The walk that cuts a patient's infusion spans into courses and cycles.
 *
 * Spans are taken in order (first day, start, eventId). Before each span the gap since the drug last ran
 * is measured (interruptions.ts), then:
 * 1. a gap that meets the course rule (courses.ts) closes the course; the span opens course n+1, cycle 1;
 * 2. else, if the current cycle already has `cycleInfusionDays` (28) infusion days, the span opens the
 *    next cycle (the gap was the treatment-free interval, not an interruption);
 * 3. else a gap of more than `maxInterruptionDaysInCycle` (7) days is recorded on the cycle it ends with
 *    `opensNewCycle: true` and the span opens the next cycle;
 * 4. else the gap is an interruption inside the cycle and infusion days before and after add up.
 * The span's new infusion days are then added one by one; day 29 of continuous infusion opens the next
 * cycle even inside one bag (the bag is then evidence of both cycles).
 */
import type { Interruption } from '../course';
import type { BlinatumomabInfusion } from '../events';
import type { AssemblyConfig } from './config';
import { startsNewCourse } from './courses';
import type { InfusionSpan } from './infusion-days';
import { advance, measureGap, toInterruption, type RunningCoverage } from './interruptions';

export interface CycleDraft {
  number: number;
  /** Infusion days (calendar day numbers), ascending. */
  days: number[];
  /** Spans that start in this cycle (dose steps are read from these). */
  spans: InfusionSpan[];
  /** Every span that covers a day of the cycle (or was charted inside it). */
  evidenceSpans: InfusionSpan[];
  interruptions: Interruption[];
}

export interface CourseDraft {
  cycles: CycleDraft[];
  spans: InfusionSpan[];
}

export function cutCourses(
  spans: readonly InfusionSpan[],
  holds: readonly BlinatumomabInfusion[],
  barrierDays: readonly number[],
  config: AssemblyConfig,
): CourseDraft[] {
  const courses: CourseDraft[] = [];
  let course: CourseDraft = { cycles: [], spans: [] };
  let cycle: CycleDraft = newCycle(1);
  let cycleOfDay = new Map<number, CycleDraft>();
  let running: RunningCoverage | undefined;

  const openCycle = () => {
    cycle = newCycle(course.cycles.length + 1);
    course.cycles.push(cycle);
  };
  const openCourse = () => {
    course = { cycles: [], spans: [] };
    courses.push(course);
    cycleOfDay = new Map();
    openCycle();
  };

  for (const span of spans) {
    if (!running) openCourse();
    else {
      const drugFreeDays = Math.max(0, span.firstDay - running.lastDay - 1);
      const boundary = {
        drugFreeDays,
        lastInfusionDay: running.lastDay,
        nextInfusionDay: span.firstDay,
        endedCycleNumber: cycle.number,
      };
      if (drugFreeDays > 0 && startsNewCourse(boundary, barrierDays, config)) openCourse();
      else {
        const gap = measureGap(running, span, holds, config);
        if (gap && cycle.days.length >= config.cycleInfusionDays) openCycle();
        else if (gap && gap.days > config.maxInterruptionDaysInCycle) {
          cycle.interruptions.push(toInterruption(gap, true));
          openCycle();
        } else if (gap) cycle.interruptions.push(toInterruption(gap, false));
      }
    }
    course.spans.push(span);

    const touched: CycleDraft[] = [];
    const from = running ? Math.max(span.firstDay, running.lastDay + 1) : span.firstDay;
    for (let day = from; day <= span.lastDay; day++) {
      if (cycle.days.length >= config.cycleInfusionDays) openCycle();
      cycle.days.push(day);
      cycleOfDay.set(day, cycle);
      if (!touched.includes(cycle)) touched.push(cycle);
    }
    // Days already covered by earlier spans: the span is evidence of the cycles those days belong to.
    for (let day = span.firstDay; day < from && day <= span.lastDay; day++) {
      const owner = cycleOfDay.get(day);
      if (owner && !touched.includes(owner)) touched.push(owner);
    }
    if (touched.length === 0) touched.push(cycle);
    const primary = cycleOfDay.get(span.firstDay) ?? touched[0]!;
    primary.spans.push(span);
    for (const c of touched) c.evidenceSpans.push(span);

    running = advance(running, span);
  }
  return courses;
}

function newCycle(number: number): CycleDraft {
  return { number, days: [], spans: [], evidenceSpans: [], interruptions: [] };
}
