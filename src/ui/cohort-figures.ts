/**
 * The cohort's registry figures (src/domain/summary.ts, computed from the stored course and flag
 * resources as a registry would) beside the published references of clinical-rules.md §4. Each row
 * states its numerator, denominator and definition.
 */
import type { Course, CourseFlag, FlagCode } from '../domain/course';
import { summarize, type Figure, type RegistrySummary } from '../domain/summary';
import type { CourseView, FlagView } from './model';

export interface FigureRow {
  key: string;
  label: string;
  figure: Figure;
  /** What is counted, over what. */
  definition: string;
  /** Published figure, with its study; empty when none is published. */
  reference: string;
  referenceRate?: number;
}

type Key = keyof Omit<RegistrySummary, 'patients' | 'courses'>;

/** Published references (clinical-rules.md §4). */
const REFERENCES: Array<[Key, string, string, string, number?]> = [
  [
    'cr',
    'CR',
    'patients with CR in any cycle of their first course / first courses not started for MRD-positive disease',
    '65-patient cohort study: 51%',
    0.51,
  ],
  ['bestCr', 'Best response CR', 'first courses whose best response is CR / same first courses', ''],
  [
    'bestCrh',
    'Best response CRh',
    'first courses whose best response is CRh (no CR) / same first courses',
    '',
  ],
  [
    'bestCri',
    'Best response CRi',
    'first courses whose best response is CRi (no CR/CRh) / same first courses',
    '',
  ],
  [
    'crCrhWithin2Cycles',
    'CR/CRh within 2 cycles',
    'CR or CRh in cycle 1 or 2 / same first courses',
    'MT103-211: 43% within two cycles',
    0.43,
  ],
  [
    'crCrhCriWithin2Cycles',
    'CR/CRh/CRi within 2 cycles',
    'CR, CRh or CRi in cycle 1 or 2 (≈12 weeks) / same first courses',
    'TOWER: 44% within 12 weeks',
    0.44,
  ],
  [
    'completeMrdResponseAfterCycle1',
    'Complete MRD response after cycle 1 (MRD-positive indication)',
    'MRD <10⁻⁴ after cycle 1 / courses started for MRD-positive disease with an MRD result in cycle 1 (n/a when none)',
    'BLAST: 78% (MRD-positive indication)',
    0.78,
  ],
  [
    'relapseAmongResponders',
    'Relapse among responders',
    'responders (CR/CRh/CRi) with a later hematologic or extramedullary relapse flag / responders',
    '65-patient cohort study: 61%',
    0.61,
  ],
  [
    'extramedullaryAmongRelapses',
    'Extramedullary among relapses',
    'relapses with an extramedullary relapse flag within 30 days / relapses',
    '65-patient cohort study: 40%',
    0.4,
  ],
  [
    'cd19NegativeAmongEvaluableRelapses',
    'CD19 negative among evaluable relapses',
    'CD19-negative relapse flags / relapses with a CD19 result within 14 days',
    '65-patient cohort study: 35%',
    0.35,
  ],
  [
    'cd19DimAmongEvaluableRelapses',
    'CD19 dim among evaluable relapses',
    'CD19-dim relapse flags / relapses with a CD19 result within 14 days',
    '65-patient cohort study: 6%',
    0.06,
  ],
  [
    'extramedullaryAmongRefractory',
    'EM progression among refractory',
    'refractory first courses with an extramedullary flag / refractory first courses',
    '65-patient cohort study: 41%',
    0.41,
  ],
  ['crs', 'CRS any grade (per course)', 'courses with a CRS flag / courses', 'TOWER: 14%', 0.14],
  ['crsGrade3Plus', 'CRS grade ≥3 (per course)', 'courses with a CRS flag of grade ≥3 / courses', ''],
  ['hlhMas', 'HLH/MAS (per course)', 'courses with an HLH/MAS flag / courses', ''],
];

/** The domain course the summary reads, rebuilt from a stored course resource (no evidence needed). */
export function toDomainCourse(c: CourseView): Course {
  return {
    id: c.id,
    patient: c.patient,
    number: c.number,
    start: c.start,
    ...(c.end ? { end: c.end } : {}),
    doseBasis: c.bsa ? 'per-m2-bsa' : 'as-charted',
    status: c.status === 'active' || c.status === 'stopped' ? c.status : 'completed',
    indication:
      c.indication === 'mrd-positive' || c.indication === 'relapsed-refractory' ? c.indication : 'unknown',
    cycles: c.cycles.map((y) => ({
      number: y.number,
      start: y.start,
      ...(y.end ? { end: y.end } : {}),
      infusionDays: y.infusionDays,
      interruptions: [],
      doseSteps: [],
      response: {
        category: y.response as Course['cycles'][number]['response']['category'],
        mrd: y.mrdResponse as Course['cycles'][number]['response']['mrd'],
        ...(y.mrdFraction !== undefined ? { mrdFraction: y.mrdFraction } : {}),
        evidence: [],
      },
      evidence: [],
    })),
    toxicityRestarts: [],
    links: [],
    infusions: [],
    diagnoses: [],
  };
}

export function toDomainFlag(f: FlagView): CourseFlag {
  return {
    id: f.id,
    code: f.code as FlagCode,
    severity: f.severity,
    patient: f.patient,
    courseId: f.courseId ?? '',
    identifiedAt: f.identifiedAt,
    detail: f.detail,
    ...(f.grade !== undefined ? { grade: f.grade } : {}),
    episodeKey: '',
    evidence: [],
  };
}

export interface CohortFigures {
  patients: number;
  courses: number;
  rows: FigureRow[];
}

/** Figures over the current (not withdrawn) courses and flags. */
export function cohortFigures(courses: CourseView[], flags: FlagView[]): CohortFigures {
  const live = courses.filter((c) => c.status !== 'entered-in-error');
  const s = summarize(live.map(toDomainCourse), flags.filter((f) => !f.withdrawn).map(toDomainFlag));
  const rows: FigureRow[] = REFERENCES.map(([key, label, definition, reference, rate]) => ({
    key,
    label,
    figure: s[key],
    definition,
    reference,
    ...(rate !== undefined ? { referenceRate: rate } : {}),
  }));
  return { patients: s.patients, courses: s.courses, rows };
}
