/**
 * The flag engine (clinical-rules.md §3): course + the patient's events → CourseFlag[].
 *
 * Flags are recomputed from scratch from the current events every time. When later data withdraws
 * evidence (a resource corrected or entered-in-error), the event is simply absent from the input and
 * the flag is not produced. The adapter (assemble worker) compares the produced flag ids with the
 * flags stored for the patient and saves each stored flag that is no longer produced as a new version
 * with status `entered-in-error` (see `withdrawnFlag` in render.ts).
 *
 * Two passes. First pass: rules that read only the course and events. Second pass, in this order,
 * each seeing the patient's flags so far: cd19-escape (anchored on relapse / refractory flags),
 * post-hsct-relapse (on relapse flags), toxicity-restart (on toxicity flags).
 */
import type { ClinicalEvent } from '../events';
import type { Course, CourseFlag } from '../course';
import { uniqueRefs } from '../source-ref';
import { toMs } from '../time';
import { cd19Escape } from './cd19-escape';
import { type FlagConfig, withDefaults } from './config';
import { crs } from './crs';
import { extramedullaryRelapse } from './extramedullary-relapse';
import { hematologicRelapse } from './hematologic-relapse';
import { hepatotoxicity } from './hepatotoxicity';
import { highDiseaseBurden } from './high-disease-burden';
import { hlhMas } from './hlh-mas';
import { icans } from './icans';
import { flagId } from './identity';
import { lineageSwitch } from './lineage-switch';
import { molecularRelapse } from './molecular-relapse';
import { mrdPersistent } from './mrd-persistent';
import { postHsctRelapse } from './post-hsct-relapse';
import { priorExtramedullaryDisease } from './prior-extramedullary-disease';
import { refractory } from './refractory';
import { toxicityRestart } from './toxicity-restart';
import { treatmentInterruption } from './treatment-interruption';
import type { DependentFlagRule, FlagContext, FlagFinding, FlagRule } from './types';
import { byTime } from './windows';

export type { FlagConfig } from './config';
export { DEFAULT_FLAG_CONFIG, withDefaults } from './config';
export type { DependentFlagContext, DependentFlagRule, FlagContext, FlagFinding, FlagRule } from './types';
export { flagId } from './identity';

export const FIRST_PASS: readonly FlagRule[] = [
  mrdPersistent,
  molecularRelapse,
  hematologicRelapse,
  refractory,
  extramedullaryRelapse,
  lineageSwitch,
  crs,
  icans,
  hlhMas,
  treatmentInterruption,
  hepatotoxicity,
  highDiseaseBurden,
  priorExtramedullaryDisease,
];

/** Run in this order; each sees the flags of the first pass and of the rules before it. */
export const SECOND_PASS: readonly DependentFlagRule[] = [cd19Escape, postHsctRelapse, toxicityRestart];

/** All flags of one patient's courses, sorted by course, time, code and episode. */
export function flagPatient(
  courses: readonly Course[],
  events: readonly ClinicalEvent[],
  config?: Partial<FlagConfig>,
): CourseFlag[] {
  const patients = new Set([...courses.map((c) => c.patient), ...events.map((e) => e.patient)]);
  if (patients.size > 1)
    throw new RangeError(`flagPatient expects one patient's data, got ${patients.size} patients`);
  const ctx: FlagContext = {
    events: normaliseEvents(events),
    courses: sortCourses(courses),
    config: withDefaults(config),
  };
  const flags: CourseFlag[] = [];
  const add = (course: Course, findings: FlagFinding[]) => {
    for (const finding of findings) {
      const flag = toFlag(course, finding);
      if (flag && !flags.some((f) => f.id === flag.id)) flags.push(flag);
    }
  };
  for (const course of ctx.courses) for (const rule of FIRST_PASS) add(course, rule(course, ctx));
  for (const rule of SECOND_PASS) {
    const before = [...flags];
    for (const course of ctx.courses) add(course, rule(course, { ...ctx, flags: before }));
  }
  return sortFlags(flags, ctx.courses);
}

/** The flags of one course; other courses of the patient in `ctx.courses` decide its window. */
export function flagCourse(course: Course, ctx: FlagContext): CourseFlag[] {
  const courses = ctx.courses.some((c) => c.id === course.id) ? ctx.courses : [...ctx.courses, course];
  return flagPatient(courses, ctx.events, ctx.config).filter((f) => f.courseId === course.id);
}

function toFlag(course: Course, finding: FlagFinding): CourseFlag | undefined {
  const evidence = uniqueRefs(finding.evidence);
  if (evidence.length === 0) return undefined; // no flag without evidence
  const flag: CourseFlag = {
    id: flagId(course.id, finding.code, finding.episodeKey),
    code: finding.code,
    severity: finding.severity,
    patient: course.patient,
    courseId: course.id,
    identifiedAt: finding.identifiedAt,
    detail: finding.detail,
    episodeKey: finding.episodeKey,
    evidence,
  };
  if (finding.grade !== undefined) flag.grade = finding.grade;
  return flag;
}

/** De-duplicate by eventId and put in time order, so rules never see input order. */
function normaliseEvents(events: readonly ClinicalEvent[]): ClinicalEvent[] {
  const byId = new Map<string, ClinicalEvent>();
  for (const e of [...events].sort(byTime)) if (!byId.has(e.eventId)) byId.set(e.eventId, e);
  return [...byId.values()];
}

function sortCourses(courses: readonly Course[]): Course[] {
  return [...courses].sort(
    (a, b) => toMs(a.start) - toMs(b.start) || a.number - b.number || (a.id < b.id ? -1 : 1),
  );
}

function sortFlags(flags: CourseFlag[], courses: readonly Course[]): CourseFlag[] {
  const order = new Map(courses.map((c, i) => [c.id, i]));
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return flags.sort(
    (a, b) =>
      cmp(a.patient, b.patient) ||
      (order.get(a.courseId) ?? 0) - (order.get(b.courseId) ?? 0) ||
      toMs(a.identifiedAt) - toMs(b.identifiedAt) ||
      cmp(a.code, b.code) ||
      cmp(a.episodeKey, b.episodeKey),
  );
}
