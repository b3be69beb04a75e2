import { uniqueRefs } from '../source-ref';
import { toMs } from '../time';
import { date } from './format';
import type { DependentFlagRule } from './types';
import { dayOf, eventsOf } from './windows';

const RELAPSE_CODES = new Set(['hematologic-relapse', 'molecular-relapse', 'extramedullary-relapse']);

/**
 * `post-hsct-relapse` — relapse after transplant. Second pass (needs relapse flags).
 *
 * clinical-rules.md §3: "any relapse flag (hematologic, molecular, EM) dated after an HSCT procedure."
 * Seed 003: relapse 11 months after the first allo-HSCT, rising MRD 6 months after the second.
 *
 * One episode per transplant (key `hsct-<date>`): the earliest relapse flag of the patient dated after
 * that HSCT and before the next one — the transplant's failure — raised on that relapse's course.
 * Later relapses before the next transplant are the same episode. Severity: high.
 */
export const postHsctRelapse: DependentFlagRule = (course, { events, flags }) => {
  const relapses = flags
    .filter((f) => RELAPSE_CODES.has(f.code))
    .sort((a, b) => toMs(a.identifiedAt) - toMs(b.identifiedAt) || (a.id < b.id ? -1 : 1));
  const hscts = eventsOf(events, 'Hsct');
  return hscts.flatMap((hsct, i) => {
    const next = hscts[i + 1];
    const first = relapses.find(
      (f) => dayOf(f.identifiedAt) > dayOf(hsct.at) && (!next || dayOf(f.identifiedAt) <= dayOf(next.at)),
    );
    if (!first || first.courseId !== course.id) return [];
    return [
      {
        code: 'post-hsct-relapse' as const,
        severity: 'high' as const,
        identifiedAt: first.identifiedAt,
        detail: `${first.code} on ${date(first.identifiedAt)}, ${dayOf(first.identifiedAt) - dayOf(hsct.at)} days after HSCT on ${date(hsct.at)}`,
        episodeKey: `hsct-${date(hsct.at)}`,
        evidence: uniqueRefs([hsct.source, ...first.evidence]),
      },
    ];
  });
};
