import type { ToxicityRestart } from '../course';
import { uniqueRefs } from '../source-ref';
import { toMs } from '../time';
import { date, num } from './format';
import type { DependentFlagRule, FlagFinding } from './types';
import { dayOf } from './windows';

const TOXICITY_CODES = new Set(['crs', 'icans', 'hlh-mas', 'hepatotoxicity']);

/**
 * `toxicity-restart` — dose de-escalation. Second pass (needs toxicity flags).
 *
 * clinical-rules.md §3: "restart at the step dose after the target dose, with the toxicity flag nearest
 * in time as its evidence." Seed 004: restart at 9 mcg/day after MAS in cycle 2. (Seed 002 restarted
 * at 9 mcg/day before the target dose had been reached: by this definition not a toxicity restart.)
 *
 * Read from the assembled course (`Course.toxicityRestarts`). The nearest crs / icans / hlh-mas /
 * hepatotoxicity flag of the same course (ties: the earlier) adds its evidence. Key
 * `restart-<date>`. Severity: moderate.
 */
export const toxicityRestart: DependentFlagRule = (course, { flags }) => {
  const toxicities = flags.filter((f) => f.courseId === course.id && TOXICITY_CODES.has(f.code));
  return course.toxicityRestarts.map((restart): FlagFinding => {
    const nearest = [...toxicities].sort(
      (a, b) =>
        Math.abs(toMs(a.identifiedAt) - toMs(restart.at)) -
          Math.abs(toMs(b.identifiedAt) - toMs(restart.at)) ||
        toMs(a.identifiedAt) - toMs(b.identifiedAt) ||
        (a.id < b.id ? -1 : 1),
    )[0];
    const gap = nearest ? dayOf(restart.at) - dayOf(nearest.identifiedAt) : 0;
    return {
      code: 'toxicity-restart',
      severity: 'moderate',
      identifiedAt: restart.at,
      detail:
        `Restart at ${dose(restart, 'to')} after ${dose(restart, 'from')} on ${date(restart.at)}` +
        (nearest
          ? `; nearest toxicity: ${nearest.code} (${Math.abs(gap)} days ${gap >= 0 ? 'before' : 'after'})`
          : ''),
      episodeKey: `restart-${date(restart.at)}`,
      evidence: uniqueRefs([...restart.evidence, ...(nearest ? nearest.evidence : [])]),
    };
  });
};

function dose(r: ToxicityRestart, side: 'from' | 'to'): string {
  const perDay = side === 'from' ? r.fromMcgPerDay : r.toMcgPerDay;
  const perM2 = side === 'from' ? r.fromMcgPerM2PerDay : r.toMcgPerM2PerDay;
  if (perDay !== undefined) return `${num(perDay)} mcg/day`;
  if (perM2 !== undefined) return `${num(perM2)} mcg/m²/day`;
  return 'unknown dose';
}
