import { uniqueRefs } from '../source-ref';
import { hasTime } from '../time';
import { date, num } from './format';
import type { FlagFinding, FlagRule } from './types';
import { cyclesOf } from './windows';

/**
 * `treatment-interruption` — held infusion.
 *
 * clinical-rules.md §3: "a gap in blinatumomab infusion inside a cycle (≥4 h where times allow, else
 * ≥1 day); the interruption's length and whether it opened a new cycle." Seeds 002 (2-day hold for
 * CRS) and 004 (hold for MAS).
 *
 * Read from the assembled course (`Cycle.interruptions`). Key `cycle-<n>-<start date>`.
 * Severity: moderate when the gap opened a new cycle (>7 days), low otherwise.
 */
export const treatmentInterruption: FlagRule = (course, { config }) =>
  cyclesOf(course).flatMap((cycle) =>
    cycle.interruptions
      .filter((i) =>
        hasTime(i.start) && hasTime(i.end)
          ? i.hours >= config.interruptionMinHours
          : i.days >= config.interruptionMinDays,
      )
      .map((i): FlagFinding => ({
        code: 'treatment-interruption',
        severity: i.opensNewCycle ? 'moderate' : 'low',
        identifiedAt: i.start,
        detail:
          `Infusion held ${i.days} day(s)${hasTime(i.start) && hasTime(i.end) ? ` (${num(i.hours)} h)` : ''} ` +
          `in cycle ${cycle.number} from ${date(i.start)}; ${i.opensNewCycle ? 'opened a new cycle' : 'same cycle continued'}`,
        episodeKey: `cycle-${cycle.number}-${date(i.start)}`,
        evidence: uniqueRefs(i.evidence),
      })),
  );
