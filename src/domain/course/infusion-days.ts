/**
 * Blinatumomab administrations expanded to infusion days.
 *
 * An administration covers whole 24-h periods from its charted start day: a 96-h bag is 4 infusion days,
 * back-to-back bags hung at 08:00 do not double-count the change-over day. The span is
 * `max(1, ceil((hours − bagEndSlackHours) / 24))` days. Without an end, a bag counts its start day only;
 * an `in-progress` bag without an end runs to the "as of" day (latest time in the data), capped at
 * `inProgressMaxDays`. `not-done` administrations are not drug given and cover nothing; `stopped` and
 * `on-hold` ones were given up to their charted end (they also count as hold records for interruptions).
 *
 * Continuous coverage (clinical-rules §2): bags whose change-over gap is shorter than
 * `interruptionMinHours` (both sides timed) form one run of continuous infusion, and the run's infusion
 * days are the 24-h periods of drug it delivered, counted from its first calendar day, not the calendar
 * days its bags were hung on. Counting by start date loses a day when changes drift past midnight (23:45,
 * then 00:05 two calendar days later) and turns a 28-day cycle into 27. Each bag is credited its charted
 * hours, snapped to whole days within `bagPeriodToleranceHours` (2 h); change-over gaps are neither
 * credited nor interruptions, so drift never accumulates into a lost or an extra day. Hours come from the
 * charted offsets, so a DST change (a 23-h or 25-h bag) moves no day.
 */
import type { BlinatumomabInfusion, ClinicalEvent } from '../events';
import { hasTime, HOUR_MS, toMs } from '../time';
import type { AssemblyConfig } from './config';
import { calendarDay, dayToIso, ofKind } from './patient-events';

export interface InfusionSpan {
  infusion: BlinatumomabInfusion;
  startMs: number;
  startTimed: boolean;
  /** First and last infusion day (calendar day numbers, inclusive). */
  firstDay: number;
  lastDay: number;
  /** When the drug stopped: the charted end, else the end of the last infusion day (a date). */
  coverageEnd: string;
  coverageEndMs: number;
  /** True when `coverageEnd` was charted with a time of day (hour-level gaps are then measurable). */
  coverageEndTimed: boolean;
  /** False for an in-progress bag without an end: its end is not known yet. */
  endKnown: boolean;
}

export function isDrugGiven(infusion: BlinatumomabInfusion): boolean {
  return infusion.status !== 'not-done';
}

export function toSpan(
  infusion: BlinatumomabInfusion,
  asOfDay: number,
  config: AssemblyConfig,
): InfusionSpan {
  const firstDay = calendarDay(infusion.at);
  const startMs = toMs(infusion.at);
  let days = 1;
  if (infusion.end !== undefined) {
    const hours = (toMs(infusion.end) - startMs) / HOUR_MS;
    days = Math.max(1, Math.ceil((hours - config.bagEndSlackHours) / 24));
  } else if (infusion.status === 'in-progress') {
    days = Math.min(Math.max(1, asOfDay - firstDay + 1), Math.max(1, config.inProgressMaxDays));
  }
  const lastDay = firstDay + days - 1;
  const charted = infusion.end;
  return {
    infusion,
    startMs,
    startTimed: hasTime(infusion.at),
    firstDay,
    lastDay,
    coverageEnd: charted ?? dayToIso(lastDay + 1),
    coverageEndMs: charted !== undefined ? toMs(charted) : toMs(dayToIso(lastDay + 1)),
    coverageEndTimed: charted !== undefined && hasTime(charted),
    endKnown: charted !== undefined || infusion.status !== 'in-progress',
  };
}

/** By first day, then start instant, then eventId: the walk order for cycles and courses. */
export function compareSpans(a: InfusionSpan, b: InfusionSpan): number {
  return (
    a.firstDay - b.firstDay ||
    a.startMs - b.startMs ||
    (a.infusion.eventId < b.infusion.eventId ? -1 : a.infusion.eventId > b.infusion.eventId ? 1 : 0)
  );
}

/** The patient's given administrations as spans, in walk order, placed on their runs' infusion days. */
export function infusionSpans(
  events: readonly ClinicalEvent[],
  asOfDay: number,
  config: AssemblyConfig,
): InfusionSpan[] {
  const spans = ofKind(events, 'BlinatumomabInfusion')
    .filter(isDrugGiven)
    .map((i) => toSpan(i, asOfDay, config))
    .sort(compareSpans);
  return placeOnRuns(spans, config).sort(compareSpans);
}

/** A run of continuous, timed coverage: change-over gaps below the interruption threshold. */
interface Run {
  firstDay: number;
  /** Latest charted end in the run (epoch ms). */
  endMs: number;
  /** Credited infusion hours from the run's start to that end. */
  creditedEnd: number;
}

/**
 * A bag's credited hours: its charted hours, snapped to the nearest whole number of days when within
 * `bagPeriodToleranceHours` of it (a 24-h bag charted 23 h on a DST day, or ended at 24 h 20 min).
 */
function credited(hours: number, config: AssemblyConfig): number {
  const nominal = Math.round(hours / 24) * 24;
  return nominal > 0 && Math.abs(hours - nominal) <= config.bagPeriodToleranceHours ? nominal : hours;
}

/**
 * Re-places timed spans on the infusion days of their continuous run (see the module comment). Spans not
 * timed at both ends (date-only charting, a bag without an end) keep their calendar days and end a run.
 * Change-over gaps inside a run are not credited: 28 daily bags are 28 days whether the bag changes drift
 * or not; a bag hung while another still ran is placed back by the overlap.
 */
export function placeOnRuns(spans: readonly InfusionSpan[], config: AssemblyConfig): InfusionSpan[] {
  const bridgeMs = config.interruptionMinHours * HOUR_MS;
  const tol = config.bagPeriodToleranceHours;
  let run: Run | undefined;
  const out: InfusionSpan[] = [];
  const byStart = [...spans].sort((a, b) => a.startMs - b.startMs || compareSpans(a, b));
  for (const span of byStart) {
    if (!(span.startTimed && span.coverageEndTimed)) {
      run = undefined;
      out.push(span);
      continue;
    }
    const hours = credited((span.coverageEndMs - span.startMs) / HOUR_MS, config);
    if (!run || span.startMs - run.endMs >= bridgeMs) {
      run = { firstDay: span.firstDay, endMs: span.coverageEndMs, creditedEnd: hours };
      out.push(span);
      continue;
    }
    const overlap = Math.max(0, (run.endMs - span.startMs) / HOUR_MS);
    const from = Math.max(0, run.creditedEnd - overlap);
    const to = from + hours;
    const startSlot = Math.floor((from + tol) / 24);
    const endSlot = Math.max(startSlot + 1, Math.ceil((to - tol) / 24));
    out.push({ ...span, firstDay: run.firstDay + startSlot, lastDay: run.firstDay + endSlot - 1 });
    run.endMs = Math.max(run.endMs, span.coverageEndMs);
    run.creditedEnd = Math.max(run.creditedEnd, to);
  }
  return out;
}

/** Administrations charted as held, stopped or not done: evidence for an interruption around them. */
export function holdRecords(events: readonly ClinicalEvent[]): BlinatumomabInfusion[] {
  return ofKind(events, 'BlinatumomabInfusion').filter(
    (i) => i.status === 'not-done' || i.status === 'on-hold' || i.status === 'stopped',
  );
}
