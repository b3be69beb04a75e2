import { uniqueRefs } from '../source-ref';
import { date } from './format';
import { describe } from './extramedullary-relapse';
import type { FlagRule } from './types';
import { dayOf, eventsOf } from './windows';

/**
 * `prior-extramedullary-disease` — baseline risk.
 *
 * clinical-rules.md §3: "extramedullary disease documented before course day 1 (lower CR rate, EM
 * relapse risk)." Seed 001 (prior EM-ALL predicted a lower CR rate and EM relapse); seed 003 (CNS2
 * at the first relapse, before the first blinatumomab course).
 *
 * Any ExtramedullaryDisease event dated before day 1, at any time in the patient's history. Key
 * `baseline` (once per course). Severity: low (a risk marker, not an event).
 */
export const priorExtramedullaryDisease: FlagRule = (course, { events }) => {
  const prior = eventsOf(events, 'ExtramedullaryDisease').filter((e) => dayOf(e.at) < dayOf(course.start));
  if (prior.length === 0) return [];
  const latest = prior[prior.length - 1];
  return [
    {
      code: 'prior-extramedullary-disease',
      severity: 'low',
      identifiedAt: course.start,
      detail: `Extramedullary disease before day 1: ${prior.length} finding(s), latest ${date(latest.at)}${describe(prior)}`,
      episodeKey: 'baseline',
      evidence: uniqueRefs(prior.map((e) => e.source)),
    },
  ];
};
