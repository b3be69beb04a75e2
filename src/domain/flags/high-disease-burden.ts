import { uniqueRefs } from '../source-ref';
import { certainlyAbove } from './blasts';
import { date, num } from './format';
import type { FlagRule } from './types';
import { dayOf, eventsOf } from './windows';

/**
 * `high-disease-burden` — baseline risk.
 *
 * clinical-rules.md §3: "marrow blasts >50% in the 30 days before course day 1 (lower CR rate)."
 * Seed 001 (bone marrow blasts >50% predicted a lower CR rate); seed 002 (68% blasts after CLAG).
 *
 * Marrow blasts above `highBurdenMarrowBlastsPercent` dated from `highBurdenLookbackDays` before day 1
 * up to day 1 itself (the pre-infusion sample). Key `baseline`. Severity: low (a risk marker).
 */
export const highDiseaseBurden: FlagRule = (course, { events, config }) => {
  const day1 = dayOf(course.start);
  const high = eventsOf(events, 'MarrowBlasts', {
    from: day1 - config.highBurdenLookbackDays,
    to: day1,
  }).filter((b) => certainlyAbove(b, config.highBurdenMarrowBlastsPercent));
  if (high.length === 0) return [];
  const worst = [...high].sort((a, b) => b.percent - a.percent)[0];
  return [
    {
      code: 'high-disease-burden',
      severity: 'low',
      identifiedAt: course.start,
      detail: `Marrow blasts ${num(worst.percent)}% on ${date(worst.at)}, ${day1 - dayOf(worst.at)} days before day 1 (>${num(config.highBurdenMarrowBlastsPercent)}%)`,
      episodeKey: 'baseline',
      evidence: uniqueRefs(high.map((b) => b.source)),
    },
  ];
};
