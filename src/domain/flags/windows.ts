/**
 * Time windows the rules share. Membership is decided on UTC calendar days, because charts mix date
 * and dateTime precision: a Condition with onset "2015-02-11" belongs to a cycle that started at
 * 2015-02-11T10:00 even though its midnight reads earlier.
 */
import type { ClinicalEvent, EventKind, EventOf } from '../events';
import type { Course, Cycle } from '../course';
import { DAY_MS, toMs } from '../time';
import type { FlagConfig } from './config';

/** UTC calendar day number of a charted time. */
export function dayOf(t: string): number {
  return Math.floor(toMs(t) / DAY_MS);
}

/** Days [from, to] inclusive; `to` undefined = open-ended. */
export interface DayWindow {
  from: number;
  to?: number;
}

export function inWindow(t: string, w: DayWindow): boolean {
  const d = dayOf(t);
  return d >= w.from && (w.to === undefined || d <= w.to);
}

/** Events of one kind, in time order (ties by eventId), optionally inside a window. */
export function eventsOf<K extends EventKind>(
  events: readonly ClinicalEvent[],
  kind: K,
  window?: DayWindow,
): EventOf<K>[] {
  return events
    .filter((e): e is EventOf<K> => e.kind === kind && (!window || inWindow(e.at, window)))
    .sort(byTime);
}

export function byTime(a: { at: string; eventId: string }, b: { at: string; eventId: string }): number {
  return toMs(a.at) - toMs(b.at) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}

/** The course that follows `course` for the same patient, if any. */
export function nextCourse(course: Course, courses: readonly Course[]): Course | undefined {
  return [...courses]
    .filter((c) => c.patient === course.patient && c.id !== course.id && toMs(c.start) > toMs(course.start))
    .sort((a, b) => toMs(a.start) - toMs(b.start))[0];
}

/** Does the patient have a course before this one (is this a re-treatment)? */
export function hasEarlierCourse(course: Course, courses: readonly Course[]): boolean {
  return (
    course.number > 1 ||
    courses.some((c) => c.patient === course.patient && toMs(c.start) < toMs(course.start))
  );
}

/**
 * The course's window: from day 1 up to (not including) the day the next course starts. A relapse
 * months after a course ended still belongs to it, until re-treatment starts a new course.
 */
export function courseWindow(course: Course, courses: readonly Course[]): DayWindow {
  const next = nextCourse(course, courses);
  return { from: dayOf(course.start), to: next ? dayOf(next.start) - 1 : undefined };
}

/** Cycles in time order. */
export function cyclesOf(course: Course): Cycle[] {
  return [...course.cycles].sort((a, b) => a.number - b.number);
}

/**
 * "During a cycle" for toxicities: cycle start to the last infusion plus a grace period, never
 * reaching into the next cycle. A cycle without a known end (still running) is open until the next.
 */
export function cycleToxicityWindow(course: Course, cycle: Cycle, config: FlagConfig): DayWindow {
  const cycles = cyclesOf(course);
  const next = cycles.find((c) => c.number > cycle.number);
  const end = cycle.end ?? course.end;
  const graceEnd = end === undefined ? undefined : dayOf(end) + config.duringCycleGraceDays;
  const beforeNext = next ? dayOf(next.start) - 1 : undefined;
  const to =
    graceEnd === undefined
      ? beforeNext
      : beforeNext === undefined
        ? graceEnd
        : Math.min(graceEnd, beforeNext);
  return { from: dayOf(cycle.start), to };
}

/**
 * Where an end-of-cycle assessment (MRD) is read: from `endOfCycleMinDays` after the cycle start up
 * to and including the next cycle's day 1 (the pre-infusion sample), or `responseWindowDays` for the
 * last cycle.
 */
export function endOfCycleWindow(course: Course, cycle: Cycle, config: FlagConfig): DayWindow {
  const next = cyclesOf(course).find((c) => c.number > cycle.number);
  const from = dayOf(cycle.start) + config.endOfCycleMinDays;
  const to = next ? dayOf(next.start) : dayOf(cycle.start) + config.responseWindowDays;
  return { from, to: Math.max(from, to) };
}

/** The cycle whose toxicity window contains t, if any. */
export function cycleAt(course: Course, t: string, config: FlagConfig): Cycle | undefined {
  return cyclesOf(course).find((c) => inWindow(t, cycleToxicityWindow(course, c, config)));
}

/** Split time-ordered items into episodes: a new episode starts more than `days` after the current one began. */
export function groupEpisodes<T extends { at: string }>(items: readonly T[], days: number): T[][] {
  const groups: T[][] = [];
  for (const item of items) {
    const current = groups[groups.length - 1];
    if (current && dayOf(item.at) - dayOf(current[0].at) <= days) current.push(item);
    else groups.push([item]);
  }
  return groups;
}
