/**
 * Gaps in blinatumomab infusion.
 *
 * When the drug's stop (the charted end of the latest-ending bag) and the next start are both charted with
 * a time of day, the gap is measured in hours and is an interruption from `interruptionMinHours` (4 h);
 * its `days` are the whole 24-h periods in it. Otherwise it is measured in calendar days: an interruption
 * needs at least one whole infusion day missing, and `hours` is days × 24.
 */
import type { Interruption } from '../course';
import type { BlinatumomabInfusion } from '../events';
import type { SourceRef } from '../source-ref';
import { uniqueRefs } from '../source-ref';
import { HOUR_MS } from '../time';
import type { AssemblyConfig } from './config';
import type { InfusionSpan } from './infusion-days';
import { calendarDay } from './patient-events';

/** What has been infused so far in the walk. */
export interface RunningCoverage {
  /** Last infusion day covered. */
  lastDay: number;
  /** The span whose drug stopped latest. */
  endSpan: InfusionSpan;
}

export interface Gap {
  from: string;
  to: string;
  hours: number;
  days: number;
  /** Calendar infusion days missing between the two sides. */
  missingDays: number;
  evidence: SourceRef[];
}

export function advance(running: RunningCoverage | undefined, span: InfusionSpan): RunningCoverage {
  if (!running) return { lastDay: span.lastDay, endSpan: span };
  const later = span.coverageEndMs > running.endSpan.coverageEndMs;
  return { lastDay: Math.max(running.lastDay, span.lastDay), endSpan: later ? span : running.endSpan };
}

/** The gap before `next`, or undefined when infusion is continuous (or the gap is below the threshold). */
export function measureGap(
  running: RunningCoverage,
  next: InfusionSpan,
  holds: readonly BlinatumomabInfusion[],
  config: AssemblyConfig,
): Gap | undefined {
  const missingDays = Math.max(0, next.firstDay - running.lastDay - 1);
  const timed = running.endSpan.coverageEndTimed && next.startTimed;
  let hours: number;
  let days: number;
  if (timed) {
    hours = (next.startMs - running.endSpan.coverageEndMs) / HOUR_MS;
    if (hours < config.interruptionMinHours) return undefined;
    days = Math.floor(hours / 24);
  } else {
    if (missingDays < 1) return undefined;
    hours = missingDays * 24;
    days = missingDays;
  }
  const heldBetween = holds.filter((h) => {
    const d = calendarDay(h.at);
    return d >= running.lastDay && d <= next.firstDay;
  });
  return {
    from: running.endSpan.coverageEnd,
    to: next.infusion.at,
    hours: Math.round(hours * 100) / 100,
    days,
    missingDays,
    evidence: uniqueRefs([
      running.endSpan.infusion.source,
      next.infusion.source,
      ...heldBetween.map((h) => h.source),
    ]),
  };
}

export function toInterruption(gap: Gap, opensNewCycle: boolean): Interruption {
  return {
    start: gap.from,
    end: gap.to,
    hours: gap.hours,
    days: gap.days,
    opensNewCycle,
    evidence: gap.evidence,
  };
}
