/**
 * Registry summary (clinical-rules.md §4): the figures published for blinatumomab cohorts, computed
 * from exported courses and flags so a registry cohort can be set against seed 001, MT103-211, TOWER
 * and BLAST. Each figure is { numerator, denominator, rate }; rate is null when nothing is evaluable.
 *
 * Units, decided to match how those studies count:
 * - Response figures count PATIENTS, by their first course (re-treatment courses would count a
 *   patient twice). CR figures exclude a first course with the MRD-positive indication (the patient
 *   starts in morphologic remission, so "achieving CR" does not apply).
 * - Complete MRD response after cycle 1 (BLAST): first courses of any indication whose cycle 1 has an
 *   MRD assessment.
 * - Relapse figures: responders = first courses with CR/CRh/CRi in any cycle; a relapse is a
 *   hematologic-relapse or extramedullary-relapse flag of the patient (molecular relapse is not a
 *   clinical relapse here) dated on/after that course's day 1. The relapse is the earliest one; it is
 *   extramedullary when an extramedullary-relapse flag falls within 30 days of it; it is CD19-evaluable
 *   when a CD19-on-blasts result (events, optional) or a CD19 escape flag falls within 14 days of it.
 * - Toxicity figures (CRS, HLH/MAS) count COURSES: exposure-based, as toxicity tables are.
 */
import type { ClinicalEvent } from './events';
import type { Course, CourseFlag, FlagCode } from './course';
import { DAY_MS, toMs } from './time';

export interface Figure {
  numerator: number;
  denominator: number;
  rate: number | null;
}

export interface RegistrySummary {
  patients: number;
  courses: number;
  /** Seed 001: CR 51% (first courses, any cycle). */
  cr: Figure;
  /** MT103-211: CR/CRh 43% within two cycles. */
  crCrhWithin2Cycles: Figure;
  /** TOWER: CR/CRh/CRi 44% within 12 weeks (= two 6-week cycles). */
  crCrhCriWithin2Cycles: Figure;
  /** BLAST: complete MRD response after cycle 1, 78%. */
  completeMrdResponseAfterCycle1: Figure;
  /** Seed 001: 61% of responders relapsed. */
  relapseAmongResponders: Figure;
  /** Seed 001: 40% of those relapses extramedullary. */
  extramedullaryAmongRelapses: Figure;
  /** Seed 001: CD19 negative in 35% / dim in 6% of evaluable relapses. */
  cd19NegativeAmongEvaluableRelapses: Figure;
  cd19DimAmongEvaluableRelapses: Figure;
  /** Seed 001: 41% of refractory cases had EM progression. */
  extramedullaryAmongRefractory: Figure;
  /** TOWER: CRS any grade 14% (per course). */
  crs: Figure;
  crsGrade3Plus: Figure;
  hlhMas: Figure;
}

const RELAPSE_EPISODE_DAYS = 30;
const CD19_WINDOW_DAYS = 14;

export function figure(numerator: number, denominator: number): Figure {
  return { numerator, denominator, rate: denominator === 0 ? null : numerator / denominator };
}

export function summarize(
  courses: readonly Course[],
  flags: readonly CourseFlag[],
  events: readonly ClinicalEvent[] = [],
): RegistrySummary {
  const patients = [...new Set(courses.map((c) => c.patient))].sort();
  const firstCourses = patients.map(
    (p) =>
      [...courses]
        .filter((c) => c.patient === p)
        .sort((a, b) => toMs(a.start) - toMs(b.start) || a.number - b.number)[0],
  );
  const evaluable = firstCourses.filter((c) => c.indication !== 'mrd-positive');
  const within2 = (c: Course, cats: string[]) =>
    c.cycles.some((y) => y.number <= 2 && cats.includes(y.response.category));
  const responders = evaluable.filter((c) =>
    c.cycles.some((y) => ['CR', 'CRh', 'CRi'].includes(y.response.category)),
  );
  const mrdAssessed = firstCourses.filter(
    (c) => cycle1(c)?.response.mrd !== undefined && cycle1(c)?.response.mrd !== 'not-assessed',
  );

  const flagsOf = (patient: string, codes: FlagCode[]) =>
    flags.filter((f) => f.patient === patient && codes.includes(f.code));
  const near = (f: CourseFlag, at: number, days: number) =>
    Math.abs(toMs(f.identifiedAt) - at) <= days * DAY_MS;

  const relapses = responders.flatMap((c) => {
    const first = flagsOf(c.patient, ['hematologic-relapse', 'extramedullary-relapse'])
      .filter((f) => toMs(f.identifiedAt) >= toMs(c.start))
      .map((f) => toMs(f.identifiedAt))
      .sort((a, b) => a - b)[0];
    return first === undefined ? [] : [{ patient: c.patient, at: first }];
  });
  const emRelapses = relapses.filter((r) =>
    flagsOf(r.patient, ['extramedullary-relapse']).some((f) => near(f, r.at, RELAPSE_EPISODE_DAYS)),
  );
  const cd19Flag = (r: { patient: string; at: number }, code: FlagCode) =>
    flagsOf(r.patient, [code]).some((f) => near(f, r.at, CD19_WINDOW_DAYS));
  const cd19Evaluable = relapses.filter(
    (r) =>
      events.some(
        (e) =>
          e.kind === 'Cd19Expression' &&
          e.patient === r.patient &&
          Math.abs(toMs(e.at) - r.at) <= CD19_WINDOW_DAYS * DAY_MS,
      ) ||
      cd19Flag(r, 'cd19-negative-relapse') ||
      cd19Flag(r, 'cd19-dim-relapse'),
  );
  const refractoryCourses = evaluable.filter((c) =>
    flags.some((f) => f.courseId === c.id && f.code === 'refractory'),
  );
  const courseHas = (c: Course, pred: (f: CourseFlag) => boolean) =>
    flags.some((f) => f.courseId === c.id && pred(f));

  return {
    patients: patients.length,
    courses: courses.length,
    cr: figure(
      evaluable.filter((c) => c.cycles.some((y) => y.response.category === 'CR')).length,
      evaluable.length,
    ),
    crCrhWithin2Cycles: figure(evaluable.filter((c) => within2(c, ['CR', 'CRh'])).length, evaluable.length),
    crCrhCriWithin2Cycles: figure(
      evaluable.filter((c) => within2(c, ['CR', 'CRh', 'CRi'])).length,
      evaluable.length,
    ),
    completeMrdResponseAfterCycle1: figure(
      mrdAssessed.filter((c) => cycle1(c)?.response.mrd === 'complete').length,
      mrdAssessed.length,
    ),
    relapseAmongResponders: figure(relapses.length, responders.length),
    extramedullaryAmongRelapses: figure(emRelapses.length, relapses.length),
    cd19NegativeAmongEvaluableRelapses: figure(
      cd19Evaluable.filter((r) => cd19Flag(r, 'cd19-negative-relapse')).length,
      cd19Evaluable.length,
    ),
    cd19DimAmongEvaluableRelapses: figure(
      cd19Evaluable.filter((r) => cd19Flag(r, 'cd19-dim-relapse')).length,
      cd19Evaluable.length,
    ),
    extramedullaryAmongRefractory: figure(
      refractoryCourses.filter((c) => courseHas(c, (f) => f.code === 'extramedullary-relapse')).length,
      refractoryCourses.length,
    ),
    crs: figure(courses.filter((c) => courseHas(c, (f) => f.code === 'crs')).length, courses.length),
    crsGrade3Plus: figure(
      courses.filter((c) => courseHas(c, (f) => f.code === 'crs' && (f.grade ?? 0) >= 3)).length,
      courses.length,
    ),
    hlhMas: figure(courses.filter((c) => courseHas(c, (f) => f.code === 'hlh-mas')).length, courses.length),
  };
}

function cycle1(c: Course) {
  return c.cycles.find((y) => y.number === 1);
}

const LABELS: [keyof RegistrySummary, string, string][] = [
  ['cr', 'CR, first course', 'seed 001: 51%'],
  ['crCrhWithin2Cycles', 'CR/CRh within 2 cycles', 'MT103-211: 43%'],
  ['crCrhCriWithin2Cycles', 'CR/CRh/CRi within 2 cycles', 'TOWER: 44%'],
  ['completeMrdResponseAfterCycle1', 'Complete MRD response after cycle 1', 'BLAST: 78%'],
  ['relapseAmongResponders', 'Relapse among responders', 'seed 001: 61%'],
  ['extramedullaryAmongRelapses', 'Extramedullary among relapses', 'seed 001: 40%'],
  ['cd19NegativeAmongEvaluableRelapses', 'CD19 negative, evaluable relapses', 'seed 001: 35%'],
  ['cd19DimAmongEvaluableRelapses', 'CD19 dim, evaluable relapses', 'seed 001: 6%'],
  ['extramedullaryAmongRefractory', 'EM progression among refractory', 'seed 001: 41%'],
  ['crs', 'CRS any grade (courses)', 'TOWER: 14%'],
  ['crsGrade3Plus', 'CRS grade ≥3 (courses)', ''],
  ['hlhMas', 'HLH/MAS (courses)', ''],
];

/** A small fixed-width text table for the CLI. */
export function formatSummary(summary: RegistrySummary): string {
  const rows: string[][] = [
    ['figure', 'n/N', 'rate', 'reference'],
    ['patients', String(summary.patients), '', ''],
    ['courses', String(summary.courses), '', ''],
  ];
  for (const [key, label, reference] of LABELS) {
    const f = summary[key] as Figure;
    rows.push([
      label,
      `${f.numerator}/${f.denominator}`,
      f.rate === null ? '–' : `${(f.rate * 100).toFixed(1)}%`,
      reference,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
