/**
 * Registry summary (clinical-rules.md §4): the figures published for blinatumomab cohorts, computed
 * from exported courses and flags so a registry cohort can be set against seed 001, MT103-211, TOWER
 * and BLAST. Each figure is { numerator, denominator, rate }; rate is null when nothing is evaluable.
 *
 * Units, decided to match how those studies count:
 * - Response figures count PATIENTS, by their first course (re-treatment courses would count a
 *   patient twice). CR figures exclude a first course with the MRD-positive indication (the patient
 *   starts in morphologic remission, so "achieving CR" does not apply).
 * - CR, CRh and CRi are also reported separately: the best response of the first course (CR > CRh > CRi).
 * - Complete MRD response after cycle 1 (BLAST): MRD-indication courses only (BLAST enrolled MRD-positive
 *   patients), whose cycle 1 has an MRD assessment; n/a when there are none.
 * - Relapse figures: responders = first courses with CR/CRh/CRi in any cycle; a relapse is a
 *   hematologic-relapse or extramedullary-relapse flag of the patient (molecular relapse is not a
 *   clinical relapse here) dated on/after that course's day 1. The relapse is the earliest one; it is
 *   extramedullary when an extramedullary-relapse flag falls within 30 days of it; it is CD19-evaluable
 *   when a CD19-on-blasts result (events, optional) or a CD19 escape flag falls within 14 days of it.
 * - CD19 figures count relapse EPISODES the same way the cd19 flags are raised (at relapse or refractory
 *   disease): the first relapse of each responder and each refractory first course. An episode is
 *   CD19-evaluable when a CD19-on-blasts result or a CD19 escape flag of the patient falls within 14 days of
 *   it, or a CD19 escape flag is raised on the refractory course itself; so a cd19-negative-relapse flag
 *   always lands in its own denominator.
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
  /** Best response of the first course, reported separately. */
  bestCr: Figure;
  bestCrh: Figure;
  bestCri: Figure;
  /** BLAST: complete MRD response after cycle 1, 78% (MRD-indication courses only). */
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

/** `items` grouped by `keyOf`, each group in input order. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    if (k === undefined) continue;
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * Every lookup goes through an index built once (by patient, by course), so a registry of thousands
 * of patients is summarised in linear time: filtering every course and flag per patient made 5,000
 * patients take half a minute.
 */
export function summarize(
  courses: readonly Course[],
  flags: readonly CourseFlag[],
  events: readonly ClinicalEvent[] = [],
): RegistrySummary {
  const coursesByPatient = groupBy(courses, (c) => c.patient);
  const flagsByPatient = groupBy(flags, (f) => f.patient);
  const flagsByCourse = groupBy(flags, (f) => f.courseId);
  const cd19ResultsByPatient = groupBy(
    events.filter((e) => e.kind === 'Cd19Expression'),
    (e) => e.patient,
  );
  const patients = [...coursesByPatient.keys()].sort();
  const firstCourses = patients.map(
    (p) =>
      [...coursesByPatient.get(p)!].sort((a, b) => toMs(a.start) - toMs(b.start) || a.number - b.number)[0],
  );
  const evaluable = firstCourses.filter((c) => c.indication !== 'mrd-positive');
  const within2 = (c: Course, cats: string[]) =>
    c.cycles.some((y) => y.number <= 2 && cats.includes(y.response.category));
  const responders = evaluable.filter((c) =>
    c.cycles.some((y) => ['CR', 'CRh', 'CRi'].includes(y.response.category)),
  );
  const mrdAssessed = courses.filter(
    (c) =>
      c.indication === 'mrd-positive' &&
      cycle1(c)?.response.mrd !== undefined &&
      cycle1(c)?.response.mrd !== 'not-assessed',
  );
  const best = (c: Course) =>
    (['CR', 'CRh', 'CRi'] as const).find((cat) => c.cycles.some((y) => y.response.category === cat));

  const flagsOf = (patient: string, codes: FlagCode[]) =>
    (flagsByPatient.get(patient) ?? []).filter((f) => codes.includes(f.code));
  const courseFlags = (c: Course) => flagsByCourse.get(c.id) ?? [];
  const near = (f: CourseFlag, at: number, days: number) =>
    Math.abs(toMs(f.identifiedAt) - at) <= days * DAY_MS;

  const relapses = responders.flatMap((c) => {
    const first = flagsOf(c.patient, ['hematologic-relapse', 'extramedullary-relapse'])
      .filter((f) => toMs(f.identifiedAt) >= toMs(c.start))
      .map((f) => toMs(f.identifiedAt))
      .sort((a, b) => a - b)[0];
    return first === undefined ? [] : [{ patient: c.patient, at: first }];
  });
  const relapsed = new Set(relapses.map((r) => r.patient));
  const emRelapses = relapses.filter((r) =>
    flagsOf(r.patient, ['extramedullary-relapse']).some((f) => near(f, r.at, RELAPSE_EPISODE_DAYS)),
  );
  const refractoryCourses = evaluable.filter((c) => courseFlags(c).some((f) => f.code === 'refractory'));
  interface Episode {
    patient: string;
    at: number;
    courseId?: string;
  }
  const episodes: Episode[] = [
    ...relapses,
    ...refractoryCourses
      .filter((c) => !relapsed.has(c.patient))
      .map((c) => ({
        patient: c.patient,
        courseId: c.id,
        at: courseFlags(c)
          .filter((f) => f.code === 'refractory')
          .reduce((min, f) => Math.min(min, toMs(f.identifiedAt)), Infinity),
      })),
  ];
  const cd19Flag = (r: Episode, code: FlagCode) =>
    flagsOf(r.patient, [code]).some(
      (f) => near(f, r.at, CD19_WINDOW_DAYS) || (r.courseId !== undefined && f.courseId === r.courseId),
    );
  const cd19Evaluable = episodes.filter(
    (r) =>
      (cd19ResultsByPatient.get(r.patient) ?? []).some(
        (e) => Math.abs(toMs(e.at) - r.at) <= CD19_WINDOW_DAYS * DAY_MS,
      ) ||
      cd19Flag(r, 'cd19-negative-relapse') ||
      cd19Flag(r, 'cd19-dim-relapse'),
  );
  const courseHas = (c: Course, pred: (f: CourseFlag) => boolean) => courseFlags(c).some(pred);

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
    bestCr: figure(evaluable.filter((c) => best(c) === 'CR').length, evaluable.length),
    bestCrh: figure(evaluable.filter((c) => best(c) === 'CRh').length, evaluable.length),
    bestCri: figure(evaluable.filter((c) => best(c) === 'CRi').length, evaluable.length),
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

const FIRST = 'first courses, r/r (not MRD indication)';
const RESPONDER = 'responder = CR/CRh/CRi in any cycle';
/** [figure, label, denominator, definition, reference (study name: figure)]. */
const LABELS: [keyof RegistrySummary, string, string, string, string][] = [
  ['cr', 'CR (any cycle)', FIRST, 'CR: blasts <5%, platelets >100, ANC >1.0', '65-patient cohort study: 51%'],
  ['bestCr', 'best response CR', FIRST, 'CR', ''],
  ['bestCrh', 'best response CRh', FIRST, 'CRh: blasts ≤5%, platelets >50, ANC >0.5; no CR', ''],
  ['bestCri', 'best response CRi', FIRST, 'CRi: blasts <5% without count recovery; no CR/CRh', ''],
  ['crCrhWithin2Cycles', 'CR/CRh within 2 cycles', FIRST, 'CR or CRh in cycle 1 or 2', 'MT103-211: 43%'],
  [
    'crCrhCriWithin2Cycles',
    'CR/CRh/CRi within 2 cycles',
    FIRST,
    'CR, CRh or CRi in cycle 1 or 2 (≈12 weeks)',
    'TOWER: 44%',
  ],
  [
    'completeMrdResponseAfterCycle1',
    'Complete MRD response after cycle 1',
    'MRD-indication courses with a cycle-1 MRD',
    'MRD <10⁻⁴ (censored "<0.01%" counts as <10⁻⁴)',
    'BLAST: 78%',
  ],
  [
    'relapseAmongResponders',
    'Relapse among responders',
    `first-course responders (${RESPONDER})`,
    'hematologic or extramedullary relapse flag after day 1',
    '65-patient cohort study: 61%',
  ],
  [
    'extramedullaryAmongRelapses',
    'Extramedullary among relapses',
    'first relapses of responders',
    'EM relapse flag within 30 days',
    '65-patient cohort study: 40%',
  ],
  [
    'cd19NegativeAmongEvaluableRelapses',
    'CD19 negative',
    'CD19-evaluable relapses and refractory courses',
    'cd19-negative-relapse flag',
    '65-patient cohort study: 35%',
  ],
  [
    'cd19DimAmongEvaluableRelapses',
    'CD19 dim',
    'CD19-evaluable relapses and refractory courses',
    'cd19-dim-relapse flag',
    '65-patient cohort study: 6%',
  ],
  [
    'extramedullaryAmongRefractory',
    'EM progression among refractory',
    'refractory first courses',
    'extramedullary-relapse flag on the course',
    '65-patient cohort study: 41%',
  ],
  ['crs', 'CRS any grade', 'all courses', 'crs flag on the course', 'TOWER: 14%'],
  ['crsGrade3Plus', 'CRS grade ≥3', 'all courses', 'crs flag grade ≥3', ''],
  ['hlhMas', 'HLH/MAS', 'all courses', 'hlh-mas flag on the course', ''],
];

/**
 * A fixed-width text table for the CLI: every figure with n/N, rate (n/a when N is 0), its denominator,
 * its definition, and the published figure it compares with, cited by study name.
 */
export function formatSummary(summary: RegistrySummary): string {
  const rows: string[][] = [
    ['figure', 'n/N', 'rate', 'denominator', 'definition', 'reference'],
    ['patients', String(summary.patients), '', '', '', ''],
    ['courses', String(summary.courses), '', '', '', ''],
  ];
  for (const [key, label, denominator, definition, reference] of LABELS) {
    const f = summary[key] as Figure;
    rows.push([
      label,
      `${f.numerator}/${f.denominator}`,
      f.rate === null ? 'n/a' : `${(f.rate * 100).toFixed(1)}%`,
      denominator,
      definition,
      reference,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, i) => (i === 1 || i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') +
    '\n\nResponse figures count patients by their first course; toxicity figures count courses. CR, CRh and ' +
    'CRi follow clinical-rules §2; references: MT103-211 (phase 2, r/r), TOWER (phase 3, r/r), BLAST (MRD-positive), ' +
    'the 65-patient cohort study (r/r, real-world).\n'
  );
}
