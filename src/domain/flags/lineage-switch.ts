import { uniqueRefs } from '../source-ref';
import { toMs } from '../time';
import { date } from './format';
import type { FlagRule } from './types';
import { courseWindow, dayOf, eventsOf, groupEpisodes, inWindow } from './windows';

/**
 * `lineage-switch` — myeloid relapse.
 *
 * clinical-rules.md §3: "AML / myeloid sarcoma after CD19-directed therapy (blinatumomab or CAR-T);
 * higher severity with KMT2A rearrangement and within 6 months." Seed 000: myeloid sarcoma with MLL
 * (KMT2A) rearrangement during cycle 4.
 *
 * A MyeloidDisease episode beginning on or after day 1 inside the course window is, by construction,
 * after blinatumomab. The time since CD19-directed therapy runs from the later of the course's last
 * infusion (0 while the course runs) and the latest CAR-T before the finding. Key `myeloid-<date>`.
 *
 * Severity: high when KMT2A is rearranged (any `present` result of the patient) or the switch is
 * within `lineageSwitchEarlyDays` (6 months) of CD19-directed therapy — each is a recognised risk
 * association; moderate otherwise.
 */
export const lineageSwitch: FlagRule = (course, { events, courses, config }) => {
  const window = courseWindow(course, courses);
  const kmt2a = eventsOf(events, 'Kmt2aRearrangement').filter((k) => k.present);
  const carT = eventsOf(events, 'CarT');
  return groupEpisodes(eventsOf(events, 'MyeloidDisease'), config.episodeMergeDays)
    .filter((episode) => inWindow(episode[0].at, window) && dayOf(episode[0].at) >= dayOf(course.start))
    .map((episode) => {
      const first = episode[0];
      const lastInfusion = course.end && toMs(course.end) < toMs(first.at) ? course.end : first.at;
      const priorCarT = carT.filter((c) => toMs(c.at) <= toMs(first.at)).pop();
      const exposure = priorCarT && toMs(priorCarT.at) > toMs(lastInfusion) ? priorCarT : undefined;
      const days = dayOf(first.at) - dayOf(exposure ? exposure.at : lastInfusion);
      const early = days <= config.lineageSwitchEarlyDays;
      const form = episode.some((e) => e.form === 'aml') ? 'AML' : 'Myeloid sarcoma';
      return {
        code: 'lineage-switch' as const,
        severity: kmt2a.length > 0 || early ? ('high' as const) : ('moderate' as const),
        identifiedAt: first.at,
        detail:
          `${form} on ${date(first.at)}, ${days} days after CD19-directed therapy` +
          (kmt2a.length > 0 ? ', KMT2A rearranged' : ''),
        episodeKey: `myeloid-${date(first.at)}`,
        evidence: uniqueRefs([
          ...episode.map((e) => e.source),
          ...kmt2a.map((k) => k.source),
          ...(exposure ? [exposure.source] : []),
        ]),
      };
    });
};
