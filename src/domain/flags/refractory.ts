import type { MarrowBlasts, PeripheralBlasts } from '../events';
import type { Course, Cycle } from '../course';
import type { SourceRef } from '../source-ref';
import { uniqueRefs } from '../source-ref';
import { toMs } from '../time';
import { exact } from './blasts';
import { num } from './format';
import type { FlagFinding, FlagRule } from './types';
import { cyclesOf, dayOf, endOfCycleWindow, eventsOf, hasEarlierCourse } from './windows';

const RESPONDED = new Set(['CR', 'CRh', 'CRi']);

/**
 * `refractory` — no response.
 *
 * clinical-rules.md §3: "no CR/CRh/CRi by the end of cycle 2 of a course; or blasts rising during the
 * first cycle of a re-treatment course." Seed 002 (re-treatment, Feb–Mar 2016).
 *
 * (a) Read from the course's cycle responses: neither cycle 1 nor 2 is CR/CRh/CRi and at least one is
 * `no-response` (a cycle `not-assessed` is not a failure). Decided once the course has 2 cycles or has
 * ended. (b) For a re-treatment (an earlier course exists): a blast value during cycle 1 above an
 * earlier value of the same measure (marrow %, peripheral %, peripheral count), the baseline reaching
 * back `refractoryBaselineDays` before day 1.
 *
 * One episode per course (key `course`): both parts merge. Severity: high.
 */
export const refractory: FlagRule = (course, ctx) => {
  const parts = [noResponseByCycle2(course), risingBlasts(course, ctx)].filter(
    (f): f is Omit<FlagFinding, 'code' | 'severity' | 'episodeKey'> => f !== undefined,
  );
  if (parts.length === 0) return [];
  parts.sort((a, b) => toMs(a.identifiedAt) - toMs(b.identifiedAt));
  return [
    {
      code: 'refractory',
      severity: 'high',
      identifiedAt: parts[0].identifiedAt,
      detail: parts.map((p) => p.detail).join('; '),
      episodeKey: 'course',
      evidence: uniqueRefs(parts.flatMap((p) => p.evidence)),
    },
  ];
};

function noResponseByCycle2(
  course: Course,
): Omit<FlagFinding, 'code' | 'severity' | 'episodeKey'> | undefined {
  const first2 = cyclesOf(course).filter((c) => c.number <= 2);
  const decided = course.cycles.length >= 2 || course.status !== 'active';
  if (!decided || first2.some((c) => RESPONDED.has(c.response.category))) return undefined;
  const failed = first2.filter((c) => c.response.category === 'no-response');
  if (failed.length === 0) return undefined;
  const last = failed[failed.length - 1];
  return {
    identifiedAt: last.response.assessedAt ?? last.end ?? last.start,
    detail: `No CR/CRh/CRi by the end of cycle ${first2.length} (${first2.map(cycleText).join(', ')})`,
    evidence: failed.flatMap((c) => c.response.evidence),
  };
}

function cycleText(c: Cycle): string {
  return `cycle ${c.number}: ${c.response.category}`;
}

type Blast = MarrowBlasts | PeripheralBlasts;

function risingBlasts(
  course: Course,
  { events, courses, config }: Parameters<FlagRule>[1],
): Omit<FlagFinding, 'code' | 'severity' | 'episodeKey'> | undefined {
  const cycle1 = cyclesOf(course)[0];
  if (!cycle1 || !hasEarlierCourse(course, courses)) return undefined;
  const window = {
    from: dayOf(course.start) - config.refractoryBaselineDays,
    to: endOfCycleWindow(course, cycle1, config).to,
  };
  const series: [string, Blast[], (b: Blast) => number | undefined][] = [
    [
      'Marrow blasts',
      eventsOf(events, 'MarrowBlasts', window),
      (b) => (b.kind === 'MarrowBlasts' ? exact(b) : undefined),
    ],
    [
      'Peripheral blasts',
      eventsOf(events, 'PeripheralBlasts', window),
      (b) => (b.kind === 'PeripheralBlasts' ? exact(b) : undefined),
    ],
    [
      'Peripheral blast count',
      eventsOf(events, 'PeripheralBlasts', window),
      (b) => (b.kind === 'PeripheralBlasts' && b.comparator === undefined ? b.count10e9PerL : undefined),
    ],
  ];
  const start = dayOf(course.start);
  for (const [label, blasts, value] of series) {
    const measured = blasts.filter((b) => value(b) !== undefined);
    for (let j = 0; j < measured.length; j++) {
      if (dayOf(measured[j].at) < start) continue;
      const earlier = measured.slice(0, j).find((b) => (value(b) as number) < (value(measured[j]) as number));
      if (!earlier) continue;
      const unit = label === 'Peripheral blast count' ? '×10⁹/L' : '%';
      const refs: SourceRef[] = [earlier.source, measured[j].source];
      return {
        identifiedAt: measured[j].at,
        detail: `${label} rose from ${num(value(earlier) as number)}${unit} to ${num(value(measured[j]) as number)}${unit} during cycle 1 of a re-treatment`,
        evidence: refs,
      };
    }
  }
  return undefined;
}
