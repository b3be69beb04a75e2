/**
 * Course boundaries.
 *
 * The rule, in drug-free calendar days between the last infusion day and the next infusion day:
 * a new course starts when the gap is longer than `freeInterval(cycle that ended) + courseGapMarginDays`,
 * i.e. by default more than 14 + 120 = 134 drug-free days after cycles 1–5 and more than 56 + 120 = 176
 * after a continued-therapy cycle (6 and later). The free interval is the one owed to the cycle that ended,
 * whether or not it was complete.
 *
 * Re-treatment after relapse is a new course even when it comes sooner: with
 * `interveningTherapyOrRelapseStartsNewCourse`, a gap longer than the free interval that contains relapse
 * evidence, an HSCT or a CD19-directed cell therapy (dated after the last infusion day, up to and including
 * the day the drug restarts) also starts a new course. A gap no longer than the free interval never does.
 */
import { freeIntervalAfter, type AssemblyConfig } from './config';

export interface CourseBoundaryInput {
  /** Drug-free calendar days in the gap. */
  drugFreeDays: number;
  lastInfusionDay: number;
  nextInfusionDay: number;
  /** Number of the cycle the gap follows. */
  endedCycleNumber: number;
}

export function startsNewCourse(
  gap: CourseBoundaryInput,
  barrierDays: readonly number[],
  config: AssemblyConfig,
): boolean {
  const free = freeIntervalAfter(gap.endedCycleNumber, config);
  if (gap.drugFreeDays > free + config.courseGapMarginDays) return true;
  if (!config.interveningTherapyOrRelapseStartsNewCourse || gap.drugFreeDays <= free) return false;
  return barrierDays.some((d) => d > gap.lastInfusionDay && d <= gap.nextInfusionDay);
}
