/**
 * Blinatumomab administrations expanded to infusion days.
 *
 * An administration covers whole 24-h periods from its charted start day: a 96-h bag is 4 infusion days,
 * back-to-back bags hung at 08:00 do not double-count the change-over day. The span is
 * `max(1, ceil((hours − bagEndSlackHours) / 24))` days. Without an end, a bag counts its start day only;
 * an `in-progress` bag without an end runs to the "as of" day (latest time in the data), capped at
 * `inProgressMaxDays`. `not-done` administrations are not drug given and cover nothing; `stopped` and
 * `on-hold` ones were given up to their charted end (they also count as hold records for interruptions).
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

/** The patient's given administrations as spans, in walk order. */
export function infusionSpans(
  events: readonly ClinicalEvent[],
  asOfDay: number,
  config: AssemblyConfig,
): InfusionSpan[] {
  return ofKind(events, 'BlinatumomabInfusion')
    .filter(isDrugGiven)
    .map((i) => toSpan(i, asOfDay, config))
    .sort(compareSpans);
}

/** Administrations charted as held, stopped or not done: evidence for an interruption around them. */
export function holdRecords(events: readonly ClinicalEvent[]): BlinatumomabInfusion[] {
  return ofKind(events, 'BlinatumomabInfusion').filter(
    (i) => i.status === 'not-done' || i.status === 'on-hold' || i.status === 'stopped',
  );
}
