/**
 * `assemble(events) → Course[]`: one patient's events in, that patient's blinatumomab courses out, sorted
 * by start. Pure and order-independent: duplicates collapse by eventId, every list is sorted on a total
 * order, and "now" is the latest time in the data (patient-events.ts).
 */
import type { Course, Cycle } from '../course';
import type { ClinicalEvent } from '../events';
import { uniqueRefs } from '../source-ref';
import { withDefaults, type AssemblyConfig, type AssemblyConfigOverrides } from './config';
import { cutCourses, type CourseDraft, type CycleDraft } from './cycles';
import { cycleDoseSteps, indicationFromSteps, toxicityRestarts, type StepDraft } from './dose-steps';
import { courseBsa } from './bsa';
import { courseOutcome } from './end-reason';
import { courseId } from './identity';
import { holdRecords, infusionSpans } from './infusion-days';
import { courseLinks } from './links';
import { asOfTime, calendarDay, dayToIso, dedupeEvents, ofKind } from './patient-events';
import { relapseEvidence, type RelapseEvidence } from './relapse';
import { assessResponse, type DayWindow } from './response';

/** Accepts overrides, or a full config already built with `withDefaults`. */
export function assemble(
  events: readonly ClinicalEvent[],
  config: AssemblyConfigOverrides | AssemblyConfig = {},
): Course[] {
  const cfg = withDefaults(config);
  const sorted = dedupeEvents(events);
  const patients = new Set(sorted.map((e) => e.patient));
  if (patients.size > 1)
    throw new RangeError(`assemble expects one patient's events, got ${patients.size} patients`);
  const asOf = asOfTime(sorted);
  if (asOf === undefined) return [];
  const asOfDay = calendarDay(asOf);
  const spans = infusionSpans(sorted, asOfDay, cfg);
  if (spans.length === 0) return [];

  const relapses = relapseEvidence(sorted, cfg);
  const barrierDays = [
    ...relapses.map((r) => r.day),
    ...ofKind(sorted, 'Hsct').map((e) => calendarDay(e.at)),
    ...ofKind(sorted, 'CarT').map((e) => calendarDay(e.at)),
  ];
  const drafts = cutCourses(spans, holdRecords(sorted), barrierDays, cfg);
  return drafts.map((draft, i) => {
    const next = drafts[i + 1];
    return buildCourse(draft, i + 1, next ? firstDay(next) : undefined, { sorted, relapses, asOfDay, cfg });
  });
}

interface Context {
  sorted: readonly ClinicalEvent[];
  relapses: readonly RelapseEvidence[];
  asOfDay: number;
  cfg: AssemblyConfig;
}

const firstDay = (d: CourseDraft) => d.cycles[0]!.days[0]!;
const lastDayOf = (c: CycleDraft) => c.days[c.days.length - 1]!;

function buildCourse(
  draft: CourseDraft,
  number: number,
  nextCourseFirstDay: number | undefined,
  ctx: Context,
) {
  const { sorted, relapses, asOfDay, cfg } = ctx;
  const bsa = courseBsa(sorted, firstDay(draft), cfg);
  const stepsByCycle: StepDraft[][] = draft.cycles.map((c) => cycleDoseSteps(c, bsa?.m2));
  const cycles: Cycle[] = draft.cycles.map((c, j) => {
    const window = responseWindow(c, draft.cycles[j + 1], nextCourseFirstDay, cfg);
    return buildCycle(c, stepsByCycle[j]!, assessResponse(sorted, window, cfg));
  });
  const lastCycleDraft = draft.cycles[draft.cycles.length - 1]!;
  const lastCycle = cycles[cycles.length - 1]!;
  const lastInfusionDay = lastDayOf(lastCycleDraft);
  const outcome = courseOutcome(
    {
      isLastCourse: nextCourseFirstDay === undefined,
      lastCycleNumber: lastCycle.number,
      lastCycleInfusionDays: lastCycle.infusionDays,
      lastCycleFirstDay: lastCycleDraft.days[0]!,
      lastCycleResponse: lastCycle.response.category,
      lastInfusionDay,
      // an in-progress bag without an end still runs only if it reaches the as-of day (not capped before it)
      stillRunning: draft.spans.some((s) => !s.endKnown && s.lastDay >= asOfDay),
      asOfDay,
      ...(nextCourseFirstDay !== undefined ? { nextCourseFirstDay } : {}),
    },
    sorted,
    relapses,
    cfg,
  );
  const patient = draft.spans[0]!.infusion.patient;
  const active = outcome.status === 'active';
  const diagnoses = ofKind(sorted, 'Diagnosis').filter((d) => active || calendarDay(d.at) <= lastInfusionDay);
  const course: Course = {
    id: courseId(patient, number),
    patient,
    number,
    start: draft.spans[0]!.infusion.at,
    ...(!active && lastCycle.end !== undefined ? { end: lastCycle.end } : {}),
    status: outcome.status,
    ...(outcome.endReason !== undefined ? { endReason: outcome.endReason } : {}),
    indication: indicationFromSteps(
      (stepsByCycle[0] ?? []).map((s) => s.step),
      cfg,
    ),
    doseBasis: bsa ? 'per-m2-bsa' : 'as-charted',
    ...(bsa ? { bsa } : {}),
    cycles,
    toxicityRestarts: toxicityRestarts(stepsByCycle.flat(), cfg),
    links: courseLinks(sorted, relapses, {
      firstDay: firstDay(draft),
      lastDay: lastInfusionDay,
      ...(nextCourseFirstDay !== undefined ? { nextCourseFirstDay } : {}),
    }),
    infusions: uniqueRefs(draft.spans.map((s) => s.infusion.source)),
    diagnoses: uniqueRefs(diagnoses.map((d) => d.source)),
  };
  return course;
}

/** See response.ts for the window rule. */
function responseWindow(
  cycle: CycleDraft,
  nextCycle: CycleDraft | undefined,
  nextCourseFirstDay: number | undefined,
  cfg: AssemblyConfig,
): DayWindow {
  const start = cycle.days[0]!;
  const end = nextCycle
    ? nextCycle.days[0]!
    : Math.min(start + cfg.lastCycleResponseWindowDays, nextCourseFirstDay ?? Infinity);
  return { startDay: start + cfg.responseWindowOffsetDays, endDay: end + cfg.responseWindowOffsetDays };
}

function buildCycle(c: CycleDraft, steps: readonly StepDraft[], response: Cycle['response']): Cycle {
  const first = c.spans[0];
  const start = first && first.firstDay === c.days[0] ? first.infusion.at : dayToIso(c.days[0]!);
  const lastDay = lastDayOf(c);
  // The bag that ran latest on the cycle's last infusion day decides where the cycle's infusion ended.
  const finalSpan = c.evidenceSpans
    .filter((s) => s.firstDay <= lastDay && s.lastDay >= lastDay)
    .reduce<(typeof c.evidenceSpans)[number] | undefined>(
      (a, b) => (!a || b.coverageEndMs > a.coverageEndMs ? b : a),
      undefined,
    );
  let end: string | undefined;
  if (finalSpan && finalSpan.lastDay > lastDay) end = dayToIso(lastDay + 1);
  else if (finalSpan?.endKnown) end = finalSpan.coverageEnd;
  return {
    number: c.number,
    start,
    ...(end !== undefined ? { end } : {}),
    infusionDays: c.days.length,
    interruptions: c.interruptions,
    doseSteps: steps.map((s) => s.step),
    response,
    evidence: uniqueRefs(c.evidenceSpans.map((s) => s.infusion.source)),
  };
}
