/**
 * Small builders for flag tests: events and Course objects written directly (no mapper, no
 * assembler), every fact carrying the SourceRef of an event so evidence can be traced.
 */
import type { ClinicalEvent, EventKind, EventOf } from '../../../src/domain/events';
import type {
  Course,
  Cycle,
  Interruption,
  ResponseAssessment,
  ToxicityRestart,
} from '../../../src/domain/course';
import type { SourceRef } from '../../../src/domain/source-ref';

export const PATIENT = 'src.p1';

const RESOURCE: Record<EventKind, string> = {
  BlinatumomabInfusion: 'MedicationAdministration',
  TocilizumabGiven: 'MedicationAdministration',
  SteroidGiven: 'MedicationAdministration',
  VasopressorGiven: 'MedicationAdministration',
  MrdResult: 'Observation',
  Cd19Expression: 'Observation',
  MarrowBlasts: 'Observation',
  PeripheralBlasts: 'Observation',
  Ferritin: 'Observation',
  CountResult: 'Observation',
  LiverEnzyme: 'Observation',
  ChemistryResult: 'Observation',
  Temperature: 'Observation',
  BodyMeasurement: 'Observation',
  Kmt2aRearrangement: 'Observation',
  DiseaseStatus: 'Observation',
  OxygenSupport: 'Procedure',
  Hsct: 'Procedure',
  CarT: 'Procedure',
  Diagnosis: 'Condition',
  ExtramedullaryDisease: 'Condition',
  MyeloidDisease: 'Condition',
  Toxicity: 'Condition',
};

type Fields<K extends EventKind> = Omit<EventOf<K>, 'kind' | 'eventId' | 'patient' | 'source' | 'at'>;

/** One event; the source id defaults to `<kind>-<at>` (pass `id` when two share a time). */
export function ev<K extends EventKind>(kind: K, at: string, fields: Fields<K>, id?: string): EventOf<K> {
  const localId = id ?? `${kind.toLowerCase()}-${at.replace(/[^0-9A-Za-z]/g, '')}`;
  const source: SourceRef = { resourceType: RESOURCE[kind], id: `src.${localId}` };
  return {
    kind,
    at,
    patient: PATIENT,
    eventId: `${source.resourceType}/${source.id}#${kind}`,
    source,
    ...fields,
  } as unknown as EventOf<K>;
}

export const mrd = (
  at: string,
  fraction: number | undefined,
  extra: Partial<Fields<'MrdResult'>> = {},
  id?: string,
) =>
  ev(
    'MrdResult',
    at,
    { fraction, detected: fraction === undefined ? (extra.detected ?? false) : fraction > 0, ...extra },
    id,
  );
export const marrow = (at: string, percent: number, id?: string) => ev('MarrowBlasts', at, { percent }, id);
export const blood = (at: string, percent: number, id?: string) =>
  ev('PeripheralBlasts', at, { percent }, id);
export const count = (at: string, analyte: 'wbc' | 'platelets' | 'anc', value: number) =>
  ev('CountResult', at, { analyte, value10e9PerL: value }, `${analyte}-${at}`);
export const liver = (at: string, analyte: 'ast' | 'alt' | 'bilirubin', value: number, uln?: number) =>
  ev(
    'LiverEnzyme',
    at,
    { analyte, value, unit: analyte === 'bilirubin' ? 'mg/dL' : 'U/L', uln },
    `${analyte}-${at}`,
  );
export const temp = (at: string, celsius: number) => ev('Temperature', at, { celsius });
export const toci = (at: string) => ev('TocilizumabGiven', at, {});
export const dex = (at: string) => ev('SteroidGiven', at, { agent: 'dexamethasone' });
export const tox = (at: string, toxicity: 'crs' | 'icans' | 'hlh-mas', grade?: number) =>
  ev('Toxicity', at, grade === undefined ? { toxicity } : { toxicity, grade }, `${toxicity}-${at}`);
export const ferritin = (at: string, ngPerMl: number) => ev('Ferritin', at, { ngPerMl });
export const cd19 = (at: string, level: 'positive' | 'negative' | 'dim') =>
  ev('Cd19Expression', at, { level });
export const em = (at: string, extra: Partial<Fields<'ExtramedullaryDisease'>> = {}) =>
  ev('ExtramedullaryDisease', at, { myeloidSarcoma: false, ...extra });
export const hsct = (at: string) => ev('Hsct', at, { transplantType: 'allogeneic' });

export function infusion(at: string, end: string, mcgPerDay: number, id?: string) {
  return ev('BlinatumomabInfusion', at, { end, status: 'completed', mcgPerDay }, id);
}

export const notAssessed: ResponseAssessment = {
  category: 'not-assessed',
  mrd: 'not-assessed',
  evidence: [],
};

export function response(
  category: ResponseAssessment['category'],
  assessedAt: string,
  evidence: ClinicalEvent[],
  mrd: ResponseAssessment['mrd'] = 'not-assessed',
  mrdFraction?: number,
): ResponseAssessment {
  const r: ResponseAssessment = { category, mrd, assessedAt, evidence: evidence.map((e) => e.source) };
  if (mrdFraction !== undefined) r.mrdFraction = mrdFraction;
  return r;
}

export interface CycleSpec {
  number: number;
  start: string;
  end?: string;
  infusions?: ClinicalEvent[];
  interruptions?: Interruption[];
  response?: ResponseAssessment;
}

export function cycle(spec: CycleSpec): Cycle {
  const c: Cycle = {
    number: spec.number,
    start: spec.start,
    infusionDays: 28,
    interruptions: spec.interruptions ?? [],
    doseSteps: [],
    response: spec.response ?? notAssessed,
    evidence: (spec.infusions ?? []).map((e) => e.source),
  };
  if (spec.end !== undefined) c.end = spec.end;
  return c;
}

export interface CourseSpec {
  id?: string;
  number?: number;
  start: string;
  end?: string;
  status?: Course['status'];
  indication?: Course['indication'];
  cycles: Cycle[];
  toxicityRestarts?: ToxicityRestart[];
  patient?: string;
}

export function course(spec: CourseSpec): Course {
  const number = spec.number ?? 1;
  const c: Course = {
    id: spec.id ?? `course-${number}`,
    patient: spec.patient ?? PATIENT,
    number,
    start: spec.start,
    status: spec.status ?? (spec.end ? 'completed' : 'active'),
    indication: spec.indication ?? 'relapsed-refractory',
    doseBasis: 'as-charted',
    cycles: spec.cycles,
    toxicityRestarts: spec.toxicityRestarts ?? [],
    links: [],
    infusions: spec.cycles.flatMap((y) => y.evidence),
    diagnoses: [],
  };
  if (spec.end !== undefined) c.end = spec.end;
  return c;
}

/**
 * A course of `n` standard cycles (28 days on, 14 off) from `start` (a date), with one infusion
 * event per cycle; returns the course and the infusion events.
 */
export function standardCourse(
  start: string,
  n: number,
  opts: { number?: number; responses?: ResponseAssessment[]; ended?: boolean; id?: string } = {},
): { course: Course; infusions: ClinicalEvent[] } {
  const infusions: ClinicalEvent[] = [];
  const cycles: Cycle[] = [];
  for (let i = 0; i < n; i++) {
    const s = plusDays(start, i * 42);
    const e = plusDays(s, 28);
    const inf = infusion(s, e, 28, `inf-${opts.number ?? 1}-${i + 1}`);
    infusions.push(inf);
    cycles.push(cycle({ number: i + 1, start: s, end: e, infusions: [inf], response: opts.responses?.[i] }));
  }
  const last = cycles[cycles.length - 1];
  const c = course({
    id: opts.id,
    number: opts.number,
    start,
    end: opts.ended === false ? undefined : last.end,
    cycles,
  });
  return { course: c, infusions };
}

/** Date + days as YYYY-MM-DD. */
export function plusDays(date: string, days: number): string {
  return new Date(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) + days * 86_400_000)
    .toISOString()
    .slice(0, 10);
}
