/**
 * Events linked to a course and their timing, by calendar day:
 * - before: any time before course day 1 (the whole history, so a course carries its own prior HSCT,
 *   CAR-T, relapses and toxicities for the flag rules);
 * - during: from course day 1 to the last infusion day, inclusive;
 * - after: from the day after the last infusion day until the day before the next course starts; for the
 *   patient's last course, without limit. An event after that horizon belongs to the next course
 *   (as `before` or `during`), never to this one as `after`.
 * Linked kinds: HSCT, CD19-directed cell therapy (CAR-T), relapse evidence (relapse.ts), toxicities.
 */
import type { CourseLink, LinkedEventKind, Timing } from '../course';
import type { ClinicalEvent, ToxicityKind } from '../events';
import type { SourceRef } from '../source-ref';
import { refKey } from '../source-ref';
import { toMs } from '../time';
import { calendarDay } from './patient-events';
import type { RelapseEvidence } from './relapse';

export interface CoursePeriod {
  firstDay: number;
  lastDay: number;
  /** First infusion day of the patient's next course, when there is one. */
  nextCourseFirstDay?: number;
}

export function timingOf(day: number, period: CoursePeriod): Timing | undefined {
  if (day < period.firstDay) return 'before';
  if (day <= period.lastDay) return 'during';
  if (period.nextCourseFirstDay === undefined || day < period.nextCourseFirstDay) return 'after';
  return undefined;
}

const TOXICITY_NAME: Record<ToxicityKind, string> = { crs: 'CRS', icans: 'ICANS', 'hlh-mas': 'HLH/MAS' };

interface Candidate {
  kind: LinkedEventKind;
  at: string;
  detail?: string;
  evidence: SourceRef[];
}

function candidates(events: readonly ClinicalEvent[], relapses: readonly RelapseEvidence[]): Candidate[] {
  const out: Candidate[] = relapses.map((r) => ({
    kind: 'relapse',
    at: r.at,
    detail: r.detail,
    evidence: r.evidence,
  }));
  for (const e of events) {
    if (e.kind === 'Hsct') {
      const detail = e.transplantType === 'unknown' ? 'HSCT' : `${e.transplantType} HSCT`;
      out.push({ kind: 'hsct', at: e.at, detail, evidence: [e.source] });
    } else if (e.kind === 'CarT')
      out.push({ kind: 'cd19-therapy', at: e.at, detail: 'CAR-T', evidence: [e.source] });
    else if (e.kind === 'Toxicity') {
      const grade = e.grade !== undefined ? ` grade ${e.grade}` : '';
      out.push({
        kind: 'toxicity',
        at: e.at,
        detail: `${TOXICITY_NAME[e.toxicity]}${grade}`,
        evidence: [e.source],
      });
    }
  }
  return out;
}

export function courseLinks(
  events: readonly ClinicalEvent[],
  relapses: readonly RelapseEvidence[],
  period: CoursePeriod,
): CourseLink[] {
  const links: CourseLink[] = [];
  for (const c of candidates(events, relapses)) {
    const timing = timingOf(calendarDay(c.at), period);
    if (!timing) continue;
    links.push({
      kind: c.kind,
      timing,
      at: c.at,
      ...(c.detail !== undefined ? { detail: c.detail } : {}),
      evidence: c.evidence,
    });
  }
  links.sort(compareLinks);
  // One resource can yield two identical facts (e.g. two Toxicity events from one Condition): keep one.
  return links.filter(
    (l, i) => i === 0 || compareLinks(links[i - 1]!, l) !== 0 || links[i - 1]!.timing !== l.timing,
  );
}

function compareLinks(a: CourseLink, b: CourseLink): number {
  const key = (l: CourseLink) => `${l.kind}|${l.evidence.map(refKey).join(',')}|${l.detail ?? ''}`;
  const ka = key(a);
  const kb = key(b);
  return toMs(a.at) - toMs(b.at) || (ka < kb ? -1 : ka > kb ? 1 : 0);
}
