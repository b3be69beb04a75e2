/**
 * Whether a course is still running and, if not, why it ended. Judged "as of" the latest time charted
 * anywhere in the patient's data, never the wall clock, so the same data always gives the same answer.
 *
 * Active: only the patient's last course, when its last bag is still running (in progress, no end) or the
 * days from the last infusion day to the as-of day are within the free interval owed to the last cycle,
 * and no HSCT or CAR-T has followed the last infusion. An active course has no end reason.
 *
 * Status of an ended course: `completed` when its last cycle reached `cycleInfusionDays` (28) infusion
 * days, else `stopped` (ended early). The planned number of cycles is not charted, so it is not used.
 *
 * End reason, first match wins:
 * 1. hsct — an HSCT dated from the last infusion day up to the free interval + course margin after it
 *    (and before the next course): the course bridged to transplant, complete or not;
 * 2. completed — the last cycle reached 28 infusion days;
 * 3. progression — stopped early and the last cycle's response was no-response, or relapse evidence is
 *    dated from the last cycle's start to `stopWindowDays` after the last infusion day, or peripheral
 *    blasts ≥ `peripheralBlastProgressionPercent` within `stopWindowDays` either side of the last infusion;
 * 4. toxicity — stopped early with a toxicity dated from the last cycle's start to `stopWindowDays`
 *    after the last infusion day (disease evidence outranks a toxicity that was managed and restarted);
 * 5. unknown.
 */
import type { CourseEndReason, CourseStatus, ResponseCategory } from '../course';
import type { ClinicalEvent } from '../events';
import { freeIntervalAfter, type AssemblyConfig } from './config';
import { calendarDay, effectivePercent, ofKind } from './patient-events';
import type { RelapseEvidence } from './relapse';

export interface CourseEnding {
  isLastCourse: boolean;
  lastCycleNumber: number;
  lastCycleInfusionDays: number;
  lastCycleFirstDay: number;
  lastCycleResponse: ResponseCategory;
  lastInfusionDay: number;
  /** True when the last bag is in progress without an end. */
  stillRunning: boolean;
  asOfDay: number;
  nextCourseFirstDay?: number;
}

export interface CourseOutcome {
  status: CourseStatus;
  endReason?: CourseEndReason;
}

export function courseOutcome(
  c: CourseEnding,
  events: readonly ClinicalEvent[],
  relapses: readonly RelapseEvidence[],
  config: AssemblyConfig,
): CourseOutcome {
  const free = freeIntervalAfter(c.lastCycleNumber, config);
  const horizon = Math.min(
    c.lastInfusionDay + free + config.courseGapMarginDays,
    (c.nextCourseFirstDay ?? Infinity) - 1,
  );
  const stopHorizon = Math.min(c.lastInfusionDay + config.stopWindowDays, horizon);
  const days = (kind: 'Hsct' | 'CarT') => ofKind(events, kind).map((e) => calendarDay(e.at));
  const followedByCellTherapy = [...days('Hsct'), ...days('CarT')].some((d) => d > c.lastInfusionDay);
  const withinFree = c.asOfDay - c.lastInfusionDay <= free;
  if (c.isLastCourse && (c.stillRunning || withinFree) && !followedByCellTherapy) return { status: 'active' };

  const complete = c.lastCycleInfusionDays >= config.cycleInfusionDays;
  const status: CourseStatus = complete ? 'completed' : 'stopped';
  const between = (d: number, from: number, to: number) => d >= from && d <= to;

  if (days('Hsct').some((d) => between(d, c.lastInfusionDay, horizon))) return { status, endReason: 'hsct' };
  if (complete) return { status, endReason: 'completed' };
  const progressed =
    c.lastCycleResponse === 'no-response' ||
    relapses.some((r) => between(r.day, c.lastCycleFirstDay, stopHorizon)) ||
    ofKind(events, 'PeripheralBlasts').some(
      (p) =>
        p.percent !== undefined &&
        (effectivePercent(p) ?? 0) >= config.peripheralBlastProgressionPercent &&
        between(calendarDay(p.at), c.lastInfusionDay - config.stopWindowDays, stopHorizon),
    );
  if (progressed) return { status, endReason: 'progression' };
  const toxic = ofKind(events, 'Toxicity').some((t) =>
    between(calendarDay(t.at), c.lastCycleFirstDay, stopHorizon),
  );
  return { status, endReason: toxic ? 'toxicity' : 'unknown' };
}
