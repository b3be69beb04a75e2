import { uniqueRefs } from '../source-ref';
import { toMs } from '../time';
import { severityForGrade } from './grading';
import type { FlagFinding, FlagRule } from './types';
import { cycleToxicityWindow, cyclesOf, dayOf, eventsOf } from './windows';

/**
 * `icans` — neurotoxicity.
 *
 * clinical-rules.md §3: "an ICANS / neurotoxicity Condition during a cycle; grade from G92.0x."
 * (No seed; blinatumomab's label toxicity.)
 *
 * One episode per cycle (key `cycle-<n>`); grade = highest coded grade in the cycle, absent when
 * none is coded. Severity: grade ≥3 high, 2 moderate, 1 low, ungraded moderate.
 */
export const icans: FlagRule = (course, { events, config }) =>
  cyclesOf(course).flatMap((cycle): FlagFinding[] => {
    const coded = eventsOf(events, 'Toxicity', cycleToxicityWindow(course, cycle, config)).filter(
      (t) => t.toxicity === 'icans',
    );
    if (coded.length === 0) return [];
    const grades = coded.map((t) => t.grade).filter((g): g is number => g !== undefined);
    const grade = grades.length > 0 ? Math.max(...grades) : undefined;
    const onset = coded.reduce((a, b) => (toMs(b.at) < toMs(a.at) ? b : a));
    return [
      {
        code: 'icans',
        severity: severityForGrade(grade),
        identifiedAt: onset.at,
        detail: `ICANS${grade !== undefined ? ` grade ${grade}` : ' (ungraded)'} on day ${dayOf(onset.at) - dayOf(cycle.start) + 1} of cycle ${cycle.number}`,
        grade,
        episodeKey: `cycle-${cycle.number}`,
        evidence: uniqueRefs(coded.map((t) => t.source)),
      },
    ];
  });
