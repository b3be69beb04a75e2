import type { CourseFlag } from '../course';
import { uniqueRefs } from '../source-ref';
import { date } from './format';
import type { DependentFlagRule } from './types';
import { dayOf, eventsOf } from './windows';

/** Relapse flags, in the order a same-day tie is named. */
const RELAPSE_CODES: readonly string[] = [
  'hematologic-relapse',
  'extramedullary-relapse',
  'molecular-relapse',
];

/**
 * `post-hsct-relapse` — relapse after transplant. Second pass (needs relapse flags).
 *
 * clinical-rules.md §3: "any relapse flag (hematologic, molecular, EM) dated after an HSCT procedure."
 * Seed 003: relapse 11 months after the first allo-HSCT, rising MRD 6 months after the second.
 *
 * One episode per transplant (key `hsct-<date>`): the first relapse day of the patient after that
 * HSCT and before the next one — the transplant's failure — raised on that relapse's course, with the
 * evidence of every relapse flag of that day. Later relapses before the next transplant are the same
 * episode. Severity: high.
 */
export const postHsctRelapse: DependentFlagRule = (course, { events, flags }) => {
  const relapses = flags.filter((f) => RELAPSE_CODES.includes(f.code));
  const hscts = eventsOf(events, 'Hsct');
  return hscts.flatMap((hsct, i) => {
    const next = hscts[i + 1];
    const after = relapses.filter(
      (f) => dayOf(f.identifiedAt) > dayOf(hsct.at) && (!next || dayOf(f.identifiedAt) <= dayOf(next.at)),
    );
    if (after.length === 0) return [];
    const firstDay = Math.min(...after.map((f) => dayOf(f.identifiedAt)));
    const first: CourseFlag[] = after
      .filter((f) => dayOf(f.identifiedAt) === firstDay)
      .sort(
        (a, b) => RELAPSE_CODES.indexOf(a.code) - RELAPSE_CODES.indexOf(b.code) || (a.id < b.id ? -1 : 1),
      );
    if (first[0].courseId !== course.id) return [];
    const codes = [...new Set(first.map((f) => f.code))];
    return [
      {
        code: 'post-hsct-relapse' as const,
        severity: 'high' as const,
        identifiedAt: first[0].identifiedAt,
        detail: `${codes.join(' + ')} on ${date(first[0].identifiedAt)}, ${firstDay - dayOf(hsct.at)} days after HSCT on ${date(hsct.at)}`,
        episodeKey: `hsct-${date(hsct.at)}`,
        evidence: uniqueRefs([hsct.source, ...first.flatMap((f) => f.evidence)]),
      },
    ];
  });
};
