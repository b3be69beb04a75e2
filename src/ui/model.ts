/**
 * What the pages draw, read back from the stored FHIR outputs (a course MedicationStatement, a flag
 * DetectedIssue), not from the domain objects: the pages show exactly what a registry would pull.
 * Parsing is tolerant: an extension this version does not know (or one added later, such as an MRD
 * comparator or a BSA basis) is skipped or shown when recognised, never an error.
 */
import type { DetectedIssue, Extension, MedicationStatement, Quantity } from '@medplum/fhirtypes';

export interface DoseStepView {
  start: string;
  end?: string;
  mcgPerDay?: number;
  mcgPerM2PerDay?: number;
}

export interface InterruptionView {
  start: string;
  end: string;
  hours?: number;
  opensNewCycle: boolean;
}

export interface CycleView {
  number: number;
  start: string;
  end?: string;
  infusionDays: number;
  interruptions: InterruptionView[];
  doseSteps: DoseStepView[];
  response: string;
  mrdResponse: string;
  mrdFraction?: number;
  /** '<', '<=', '>=', '>' when the MRD result was censored ("<0.01%"). */
  mrdComparator?: string;
}

export interface LinkView {
  kind: string;
  timing: string;
  at: string;
  detail?: string;
}

export interface BsaView {
  m2: number;
  /** How the BSA was obtained (measured, Mosteller…), when the course says so. */
  basis?: string;
}

export interface CourseView {
  id: string;
  patient: string;
  number: number;
  start: string;
  end?: string;
  status: string;
  endReason?: string;
  indication: string;
  cycles: CycleView[];
  links: LinkView[];
  restarts: { at: string }[];
  diagnoses: string[];
  bsa?: BsaView;
}

export interface FlagView {
  id: string;
  code: string;
  display: string;
  severity: 'high' | 'moderate' | 'low';
  patient: string;
  courseId?: string;
  identifiedAt: string;
  detail: string;
  grade?: number;
  withdrawn: boolean;
  /** `Type/id` of each evidence.detail reference. */
  evidence: string[];
}

const SD = 'http://bitebridge.dev/fhir/StructureDefinition/';

/** The last path segment of an extension url: 'course-cycle', 'number', 'mrdComparator'… */
const nameOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
const subs = (e: Extension | undefined, name: string) =>
  (e?.extension ?? []).filter((x) => nameOf(x.url) === name);
const sub = (e: Extension | undefined, name: string) => subs(e, name)[0];
const code = (e: Extension | undefined) =>
  e?.valueCode ?? e?.valueCodeableConcept?.coding?.[0]?.code ?? e?.valueString ?? undefined;
const num = (e: Extension | undefined) =>
  e?.valueDecimal ??
  e?.valueQuantity?.value ??
  e?.valueUnsignedInt ??
  e?.valuePositiveInt ??
  e?.valueInteger ??
  undefined;
const refId = (reference: string | undefined) => (reference ?? '').split('/').slice(1).join('/');

function parseDoseStep(e: Extension): DoseStepView {
  const period = sub(e, 'period')?.valuePeriod;
  const rate = num(sub(e, 'rate'));
  const perM2 = num(sub(e, 'ratePerM2'));
  return {
    start: period?.start ?? '',
    ...(period?.end ? { end: period.end } : {}),
    ...(rate !== undefined ? { mcgPerDay: rate } : {}),
    ...(perM2 !== undefined ? { mcgPerM2PerDay: perM2 } : {}),
  };
}

function parseInterruption(e: Extension): InterruptionView {
  const period = sub(e, 'period')?.valuePeriod;
  const hours = num(sub(e, 'hours'));
  return {
    start: period?.start ?? '',
    end: period?.end ?? period?.start ?? '',
    ...(hours !== undefined ? { hours } : {}),
    opensNewCycle: sub(e, 'opensNewCycle')?.valueBoolean === true,
  };
}

function parseCycle(e: Extension): CycleView {
  const period = sub(e, 'period')?.valuePeriod;
  const mrdFraction = sub(e, 'mrdFraction');
  const comparator =
    code(sub(e, 'mrdComparator')) ?? (mrdFraction?.valueQuantity as Quantity | undefined)?.comparator;
  const fraction = num(mrdFraction);
  return {
    number: num(sub(e, 'number')) ?? 0,
    start: period?.start ?? '',
    ...(period?.end ? { end: period.end } : {}),
    infusionDays: num(sub(e, 'infusionDays')) ?? 0,
    interruptions: subs(e, 'interruption').map(parseInterruption),
    doseSteps: subs(e, 'doseStep').map(parseDoseStep),
    response: code(sub(e, 'response')) ?? 'not-assessed',
    mrdResponse: code(sub(e, 'mrdResponse')) ?? 'not-assessed',
    ...(fraction !== undefined ? { mrdFraction: fraction } : {}),
    ...(comparator ? { mrdComparator: comparator } : {}),
  };
}

/** The course's BSA, from its dose-basis extension (present only when doses were judged per m²). */
function parseBsa(extensions: Extension[]): BsaView | undefined {
  const e = extensions.find((x) => nameOf(x.url) === 'course-dose-basis');
  if (!e || code(sub(e, 'basis')) !== 'per-m2-bsa') return undefined;
  const m2 = num(sub(e, 'bsa'));
  if (m2 === undefined) return undefined;
  const method = code(sub(e, 'bsaMethod'));
  return { m2, ...(method ? { basis: method } : {}) };
}

export function parseCourse(ms: MedicationStatement): CourseView {
  const ext = ms.extension ?? [];
  const byName = (name: string) => ext.filter((x) => x.url === SD + name || nameOf(x.url) === name);
  const bsa = parseBsa(ext);
  return {
    id: ms.id ?? '',
    patient: refId(ms.subject?.reference),
    number: num(byName('course-number')[0]) ?? 0,
    start: ms.effectivePeriod?.start ?? '',
    ...(ms.effectivePeriod?.end ? { end: ms.effectivePeriod.end } : {}),
    status: ms.status ?? 'unknown',
    ...(ms.statusReason?.[0]?.coding?.[0]?.code ? { endReason: ms.statusReason[0].coding[0].code } : {}),
    indication: code(byName('course-indication')[0]) ?? 'unknown',
    cycles: byName('course-cycle')
      .map(parseCycle)
      .sort((a, b) => a.number - b.number),
    links: byName('course-link').map((l) => ({
      kind: code(sub(l, 'kind')) ?? 'unknown',
      timing: code(sub(l, 'timing')) ?? '',
      at: sub(l, 'at')?.valueDateTime ?? '',
      ...(sub(l, 'detail')?.valueString ? { detail: sub(l, 'detail')?.valueString } : {}),
    })),
    restarts: byName('course-toxicity-restart').map((t) => ({ at: sub(t, 'at')?.valueDateTime ?? '' })),
    diagnoses: (ms.reasonReference ?? []).map((r) => r.reference ?? '').filter(Boolean),
    ...(bsa ? { bsa } : {}),
  };
}

const SEVERITIES = ['high', 'moderate', 'low'] as const;

export function parseFlag(di: DetectedIssue): FlagView {
  const coding = di.code?.coding?.[0];
  const grade = (di.extension ?? []).find((x) => nameOf(x.url) === 'flag-grade')?.valuePositiveInt;
  const severity = SEVERITIES.find((s) => s === di.severity) ?? 'low';
  const course = (di.implicated ?? []).find((r) => r.reference?.startsWith('MedicationStatement/'));
  return {
    id: di.id ?? '',
    code: coding?.code ?? 'unknown',
    display: coding?.display ?? coding?.code ?? 'flag',
    severity,
    patient: refId(di.patient?.reference),
    ...(course ? { courseId: refId(course.reference) } : {}),
    identifiedAt: di.identifiedDateTime ?? di.identifiedPeriod?.start ?? '',
    detail: di.detail ?? '',
    ...(grade !== undefined ? { grade } : {}),
    withdrawn: di.status === 'entered-in-error',
    evidence: (di.evidence ?? [])
      .flatMap((e) => e.detail ?? [])
      .map((r) => r.reference ?? '')
      .filter(Boolean),
  };
}
