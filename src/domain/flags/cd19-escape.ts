import type { Cd19Expression } from '../events';
import type { CourseFlag } from '../course';
import { uniqueRefs } from '../source-ref';
import { date, num } from './format';
import type { DependentFlagRule, FlagFinding } from './types';
import { dayOf, eventsOf, groupEpisodes } from './windows';

/** The findings a CD19 result can be "taken at". */
const RELAPSE_CODES = new Set(['hematologic-relapse', 'extramedullary-relapse', 'refractory']);

/**
 * `cd19-negative-relapse` / `cd19-dim-relapse` — antigen escape. Second pass (needs relapse flags).
 *
 * clinical-rules.md §3: "CD19 negative (or dim) on blasts in a specimen taken at relapse or refractory
 * disease." Seed 002: CD19 dim at the February 2016 relapse; seed 001: CD19 negative/dim in relapses
 * and refractory cases.
 *
 * A negative or dim CD19-on-blasts result within `cd19RelapseWindowDays` of this course's
 * hematologic-relapse, extramedullary-relapse or refractory flag. One episode per level and specimen
 * group (key `cd19-<date>`). Severity: negative high (CD19-directed therapy loses its target); dim
 * moderate.
 */
export const cd19Escape: DependentFlagRule = (course, { events, flags, config }) => {
  const anchors = flags.filter((f) => f.courseId === course.id && RELAPSE_CODES.has(f.code));
  if (anchors.length === 0) return [];
  const findings: FlagFinding[] = [];
  for (const level of ['negative', 'dim'] as const) {
    const matched: { cd19: Cd19Expression; anchor: CourseFlag }[] = [];
    for (const cd19 of eventsOf(events, 'Cd19Expression').filter((c) => c.level === level)) {
      const anchor = nearest(anchors, dayOf(cd19.at), config.cd19RelapseWindowDays);
      if (anchor) matched.push({ cd19, anchor });
    }
    for (const group of groupEpisodes(
      matched.map((m) => ({ ...m, at: m.cd19.at })),
      config.episodeMergeDays,
    )) {
      const first = group[0];
      const pct = first.cd19.percentPositive;
      findings.push({
        code: level === 'negative' ? 'cd19-negative-relapse' : 'cd19-dim-relapse',
        severity: level === 'negative' ? 'high' : 'moderate',
        identifiedAt: first.cd19.at,
        detail:
          `CD19 ${level} on blasts${pct !== undefined ? ` (${num(pct)}% positive)` : ''} on ${date(first.cd19.at)}, ` +
          `at ${first.anchor.code} (${date(first.anchor.identifiedAt)})`,
        episodeKey: `cd19-${date(first.cd19.at)}`,
        evidence: uniqueRefs(group.flatMap((m) => [m.cd19.source, ...m.anchor.evidence])),
      });
    }
  }
  return findings;
};

function nearest(anchors: CourseFlag[], day: number, maxDays: number): CourseFlag | undefined {
  return anchors
    .map((f) => ({ f, gap: Math.abs(dayOf(f.identifiedAt) - day) }))
    .filter((x) => x.gap <= maxDays)
    .sort((a, b) => a.gap - b.gap || (a.f.id < b.f.id ? -1 : 1))[0]?.f;
}
