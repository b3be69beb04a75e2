/**
 * The flat registry export (profiles/registry-row.schema.json): one row per course (from the course
 * MedicationStatement and its flags) and one per flag (from the DetectedIssue), and CSV rendering.
 * Pure: rows are read from the FHIR shapes described in profiles/README.md, nothing else.
 */
import type { DetectedIssue, Extension, MedicationStatement } from '@medplum/fhirtypes';

const SD = 'http://bitebridge.dev/fhir/StructureDefinition';
const RESPONSE_ORDER = ['CR', 'CRh', 'CRi', 'no-response', 'not-assessed'];
const RESPONDED = new Set(['CR', 'CRh', 'CRi']);

export type Row = Record<string, string | number | boolean | null>;
export type Table = 'courses' | 'flags';

const ext = (exts: Extension[] | undefined, url: string): Extension[] =>
  (exts ?? []).filter((e) => e.url === url);
const one = (exts: Extension[] | undefined, url: string): Extension | undefined => ext(exts, url)[0];
const codeOf = (e: Extension | undefined): string | undefined => e?.valueCodeableConcept?.coding?.[0]?.code;
const refId = (ref: string | undefined, type: string): string | null =>
  ref?.startsWith(`${type}/`) ? ref.slice(type.length + 1) : null;

interface CycleFacts {
  number: number;
  infusionDays: number;
  interruptions: number;
  response?: string;
  mrd?: string;
  mrdFraction?: number;
  mrdComparator?: string;
  mrdSensitivity?: number;
}

/**
 * One ISO 8601 form per column: `…Date` columns are the charted local calendar date (YYYY-MM-DD, the day the
 * ward saw); `…Utc` columns are the UTC instant (YYYY-MM-DDThh:mm:ssZ), null when charted without a time.
 */
export function localDate(t: string | undefined): string | null {
  return t === undefined ? null : t.slice(0, 10);
}

export function utcInstant(t: string | undefined): string | null {
  if (t === undefined || !t.includes('T')) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function cyclesOf(ms: MedicationStatement): CycleFacts[] {
  return ext(ms.extension, `${SD}/course-cycle`)
    .map((c) => ({
      number: one(c.extension, 'number')?.valuePositiveInt ?? 0,
      infusionDays: one(c.extension, 'infusionDays')?.valueUnsignedInt ?? 0,
      interruptions: ext(c.extension, 'interruption').length,
      response: codeOf(one(c.extension, 'response')),
      mrd: codeOf(one(c.extension, 'mrdResponse')),
      mrdFraction: one(c.extension, 'mrdFraction')?.valueDecimal,
      mrdComparator: one(c.extension, 'mrdComparator')?.valueCode,
      mrdSensitivity: one(c.extension, 'mrdSensitivity')?.valueDecimal,
    }))
    .sort((a, b) => a.number - b.number);
}

/** Best response in the order CR > CRh > CRi > no-response > not-assessed; null when none. */
export function bestResponse(responses: Array<string | undefined>): string | null {
  const ranked = responses.filter((r): r is string => !!r && RESPONSE_ORDER.includes(r));
  if (!ranked.length) return null;
  return ranked.sort((a, b) => RESPONSE_ORDER.indexOf(a) - RESPONSE_ORDER.indexOf(b))[0];
}

function linked(ms: MedicationStatement, kind: string, timings: string[]): boolean {
  return ext(ms.extension, `${SD}/course-link`).some(
    (l) =>
      one(l.extension, 'kind')?.valueCode === kind &&
      timings.includes(one(l.extension, 'timing')?.valueCode ?? ''),
  );
}

export function courseRow(ms: MedicationStatement, flags: DetectedIssue[]): Row {
  const cycles = cyclesOf(ms);
  const basis = one(ms.extension, `${SD}/course-dose-basis`);
  const cycle = (n: number) => cycles.find((c) => c.number === n);
  const final = flags.filter(
    (f) => f.status === 'final' && refId(f.implicated?.[0]?.reference, 'MedicationStatement') === ms.id,
  );
  return {
    table: 'course',
    patient: refId(ms.subject?.reference, 'Patient'),
    courseId: ms.id ?? null,
    courseNumber: one(ms.extension, `${SD}/course-number`)?.valuePositiveInt ?? null,
    startDate: localDate(ms.effectivePeriod?.start),
    startUtc: utcInstant(ms.effectivePeriod?.start),
    endDate: localDate(ms.effectivePeriod?.end),
    endUtc: utcInstant(ms.effectivePeriod?.end),
    status: ms.status,
    endReason: ms.statusReason?.[0]?.coding?.[0]?.code ?? null,
    indication: one(ms.extension, `${SD}/course-indication`)?.valueCode ?? null,
    doseBasis: one(basis?.extension, 'basis')?.valueCode ?? null,
    bsaM2: one(basis?.extension, 'bsa')?.valueQuantity?.value ?? null,
    bsaMethod: one(basis?.extension, 'bsaMethod')?.valueCode ?? null,
    cyclesCount: cycles.length,
    infusionDaysTotal: cycles.reduce((n, c) => n + c.infusionDays, 0),
    interruptionsCount: cycles.reduce((n, c) => n + c.interruptions, 0),
    toxicityRestartsCount: ext(ms.extension, `${SD}/course-toxicity-restart`).length,
    responseCycle1: cycle(1)?.response ?? null,
    responseCycle2: cycle(2)?.response ?? null,
    bestResponseWithin2Cycles: bestResponse(cycles.filter((c) => c.number <= 2).map((c) => c.response)),
    bestResponse: bestResponse(cycles.map((c) => c.response)),
    firstResponseCycle: cycles.find((c) => c.response && RESPONDED.has(c.response))?.number ?? null,
    mrdResponseCycle1: cycle(1)?.mrd ?? null,
    mrdFractionCycle1: cycle(1)?.mrdFraction ?? null,
    mrdComparatorCycle1: cycle(1)?.mrdComparator ?? null,
    mrdSensitivityCycle1: cycle(1)?.mrdSensitivity ?? null,
    completeMrdResponseAnyCycle: cycles.some((c) => c.mrd === 'complete'),
    hsctBefore: linked(ms, 'hsct', ['before']),
    hsctDuring: linked(ms, 'hsct', ['during']),
    hsctAfter: linked(ms, 'hsct', ['after']),
    cd19TherapyAfter: linked(ms, 'cd19-therapy', ['after']),
    relapseAfter: linked(ms, 'relapse', ['during', 'after']),
    flagsCount: final.length,
    highSeverityFlagsCount: final.filter((f) => f.severity === 'high').length,
    flagCodes: [...new Set(final.map((f) => f.code?.coding?.[0]?.code).filter((c): c is string => !!c))]
      .sort()
      .join(' '),
  };
}

export function flagRow(di: DetectedIssue): Row {
  return {
    table: 'flag',
    flagId: di.id ?? null,
    courseId: refId(di.implicated?.[0]?.reference, 'MedicationStatement'),
    patient: refId(di.patient?.reference, 'Patient'),
    code: di.code?.coding?.[0]?.code ?? null,
    severity: di.severity ?? null,
    status: di.status,
    identifiedDate: localDate(di.identifiedDateTime),
    identifiedUtc: utcInstant(di.identifiedDateTime),
    grade: one(di.extension, `${SD}/flag-grade`)?.valuePositiveInt ?? null,
    episode: one(di.extension, `${SD}/flag-episode`)?.valueString ?? null,
    evidenceCount: (di.evidence ?? []).reduce((n, e) => n + (e.detail?.length ?? 0), 0),
  };
}

const text = (v: Row[string]) => (v === null || v === undefined ? '' : String(v));

/**
 * Statisticians' order: patient, then course, then time. Courses by (patient, courseNumber); flags by
 * (patient, course, identified UTC instant else local date, flag id), so the CSV is the same however the
 * store returns them.
 */
export function compareRows(a: Row, b: Row): number {
  const keys =
    a.table === 'course'
      ? ['patient', 'courseNumber', 'startUtc', 'startDate', 'courseId']
      : ['patient', 'courseId', 'identifiedUtc', 'identifiedDate', 'flagId'];
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    if (typeof x === 'number' && typeof y === 'number' && x !== y) return x - y;
    const c = text(x) < text(y) ? -1 : text(x) > text(y) ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

function csvCell(v: Row[string]): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(columns: string[], row: Row): string {
  return columns.map((c) => csvCell(row[c])).join(',') + '\r\n';
}

export function csvHeader(columns: string[]): string {
  return columns.join(',') + '\r\n';
}
