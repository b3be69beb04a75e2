import { uniqueRefs } from '../source-ref';
import { date, num } from './format';
import { relapseEpisodes, type RelapseMarker } from './relapse-timeline';
import type { FlagRule } from './types';
import { courseWindow, inWindow } from './windows';

/**
 * `hematologic-relapse` — relapse after response.
 *
 * clinical-rules.md §3: "after CR/CRh/CRi: marrow blasts ≥5% (configurable), or peripheral blasts, or
 * ICD-10-CM C91.02." Seeds 002 (February 2016) and 003.
 *
 * Remission is read from the patient's whole timeline (relapse-timeline.ts): a cycle response of
 * CR/CRh/CRi, marrow blasts <5%, a negative MRD, a remission diagnosis or disease status. The episode
 * belongs to the course whose window holds its first marker; key `relapse-<date>`. Severity: high.
 */
export const hematologicRelapse: FlagRule = (course, { events, courses, config }) => {
  const window = courseWindow(course, courses);
  return relapseEpisodes(events, courses, config)
    .filter((episode) => inWindow(episode.at, window))
    .map((episode) => ({
      code: 'hematologic-relapse' as const,
      severity: 'high' as const,
      identifiedAt: episode.at,
      detail: `${describeMarker(episode.markers)} on ${date(episode.at)} after remission`,
      episodeKey: `relapse-${date(episode.at)}`,
      evidence: uniqueRefs([...episode.markers.map((m) => m.source), ...episode.remission]),
    }));
};

/** The most telling marker: marrow blasts, then peripheral blasts, then a relapse diagnosis code. */
function describeMarker(markers: RelapseMarker[]): string {
  const marrow = markers.find((m) => m.kind === 'MarrowBlasts');
  if (marrow && marrow.kind === 'MarrowBlasts') return `Marrow blasts ${num(marrow.percent)}%`;
  const blood = markers.find((m) => m.kind === 'PeripheralBlasts');
  if (blood && blood.kind === 'PeripheralBlasts') {
    return blood.percent !== undefined
      ? `Peripheral blasts ${num(blood.percent)}%`
      : `Peripheral blasts ${num(blood.count10e9PerL ?? 0)}×10⁹/L`;
  }
  return 'Relapse diagnosis';
}
