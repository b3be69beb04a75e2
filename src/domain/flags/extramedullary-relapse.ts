import type { ExtramedullaryDisease } from '../events';
import { uniqueRefs } from '../source-ref';
import { date } from './format';
import type { FlagRule } from './types';
import { courseWindow, dayOf, eventsOf, groupEpisodes, inWindow } from './windows';

/**
 * `extramedullary-relapse` — EM disease during/after a course.
 *
 * clinical-rules.md §3: "a new extramedullary leukemia or myeloid sarcoma Condition, or CNS2/CNS3, on
 * or after course day 1." Seed 000 (extradural thoracic mass in cycle 4); seed 003 (CNS2 at the second
 * relapse).
 *
 * "New": the patient's EM findings are grouped into episodes (`episodeMergeDays`); an episode counts
 * when it begins on or after day 1 and inside the course window (up to the next course). EM disease
 * that began before day 1 and is charted again within the merge window is persistent, not new (it is
 * `prior-extramedullary-disease`). Key `em-<date>`. Severity: high.
 */
export const extramedullaryRelapse: FlagRule = (course, { events, courses, config }) => {
  const window = courseWindow(course, courses);
  return groupEpisodes(eventsOf(events, 'ExtramedullaryDisease'), config.episodeMergeDays)
    .filter((episode) => inWindow(episode[0].at, window) && dayOf(episode[0].at) >= dayOf(course.start))
    .map((episode) => ({
      code: 'extramedullary-relapse' as const,
      severity: 'high' as const,
      identifiedAt: episode[0].at,
      detail: `Extramedullary disease on ${date(episode[0].at)}${describe(episode)}, course day ${dayOf(episode[0].at) - dayOf(course.start) + 1}`,
      episodeKey: `em-${date(episode[0].at)}`,
      evidence: uniqueRefs(episode.map((e) => e.source)),
    }));
};

/** Coded features only (never the charted site text). */
export function describe(episode: ExtramedullaryDisease[]): string {
  const features = new Set<string>();
  for (const e of episode) {
    if (e.myeloidSarcoma) features.add('myeloid sarcoma');
    if (e.cnsStatus) features.add(e.cnsStatus);
  }
  return features.size > 0 ? ` (${[...features].sort().join(', ')})` : '';
}
