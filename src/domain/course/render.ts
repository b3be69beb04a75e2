/**
 * `renderCourse(course) → MedicationStatement`, profile blinatumomab-course (profiles/README.md).
 * Keys are written in FHIR element order and only when they have a value, so the JSON is stable and
 * carries no `undefined` and no empty arrays. meta.versionId / lastUpdated are left to the store.
 */
import type {
  Condition,
  Dosage,
  Extension,
  MedicationStatement,
  Period,
  Quantity,
  Reference,
} from '@medplum/fhirtypes';
import type { Course, CourseLink, Cycle, DoseStep, Interruption, ToxicityRestart } from '../course';
import type { SourceRef } from '../source-ref';
import { refToReference } from '../source-ref';

export const FHIR_BASE = 'http://bitebridge.dev/fhir';
export const COURSE_PROFILE = `${FHIR_BASE}/StructureDefinition/blinatumomab-course`;
export const COURSE_IDENTIFIER_SYSTEM = `${FHIR_BASE}/sid/course`;
const SD = `${FHIR_BASE}/StructureDefinition`;
const CS = `${FHIR_BASE}/CodeSystem`;
const UCUM = 'http://unitsofmeasure.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

const perDay = (value: number): Quantity => ({ value, unit: 'mcg/d', system: UCUM, code: 'ug/d' });
const perM2PerDay = (value: number): Quantity => ({
  value,
  unit: 'mcg/m2/d',
  system: UCUM,
  code: 'ug/(m2.d)',
});

function period(start: string, end?: string): Period {
  return end !== undefined ? { start, end } : { start };
}

const refs = (url: string, sources: readonly SourceRef[]): Extension[] =>
  sources.map((s) => ({ url, valueReference: refToReference(s) as Reference }));

function rateText(rate: { mcgPerDay?: number; mcgPerM2PerDay?: number; perM2FromBsa?: boolean }): string {
  const parts: string[] = [];
  if (rate.mcgPerDay !== undefined) parts.push(`${rate.mcgPerDay} mcg/day`);
  if (rate.mcgPerM2PerDay !== undefined)
    parts.push(`${rate.mcgPerM2PerDay} mcg/m²/day${rate.perM2FromBsa ? ' by BSA' : ''}`);
  return parts.join(' (') + (parts.length > 1 ? ')' : '');
}

function renderDosage(step: DoseStep, sequence: number): Dosage {
  const doseAndRate: NonNullable<Dosage['doseAndRate']> = [];
  if (step.mcgPerDay !== undefined) doseAndRate.push({ rateQuantity: perDay(step.mcgPerDay) });
  if (step.mcgPerM2PerDay !== undefined) doseAndRate.push({ rateQuantity: perM2PerDay(step.mcgPerM2PerDay) });
  return {
    sequence,
    text: rateText(step),
    timing: { repeat: { boundsPeriod: period(step.start, step.end) } },
    ...(doseAndRate.length > 0 ? { doseAndRate } : {}),
  };
}

function renderInterruption(i: Interruption): Extension {
  return {
    url: 'interruption',
    extension: [
      { url: 'period', valuePeriod: period(i.start, i.end) },
      { url: 'hours', valueDecimal: i.hours },
      { url: 'opensNewCycle', valueBoolean: i.opensNewCycle },
      ...refs('evidence', i.evidence),
    ],
  };
}

function renderDoseStep(step: DoseStep): Extension {
  return {
    url: 'doseStep',
    extension: [
      { url: 'period', valuePeriod: period(step.start, step.end) },
      ...(step.mcgPerDay !== undefined ? [{ url: 'rate', valueQuantity: perDay(step.mcgPerDay) }] : []),
      ...(step.mcgPerM2PerDay !== undefined
        ? [{ url: 'ratePerM2', valueQuantity: perM2PerDay(step.mcgPerM2PerDay) }]
        : []),
    ],
  };
}

function renderCycle(c: Cycle): Extension {
  const r = c.response;
  return {
    url: `${SD}/course-cycle`,
    extension: [
      { url: 'number', valuePositiveInt: c.number },
      { url: 'period', valuePeriod: period(c.start, c.end) },
      { url: 'infusionDays', valueUnsignedInt: c.infusionDays },
      ...c.interruptions.map(renderInterruption),
      ...c.doseSteps.map(renderDoseStep),
      { url: 'response', valueCodeableConcept: { coding: [{ system: `${CS}/response`, code: r.category }] } },
      {
        url: 'mrdResponse',
        valueCodeableConcept: { coding: [{ system: `${CS}/mrd-response`, code: r.mrd }] },
      },
      ...(r.mrdFraction !== undefined ? [{ url: 'mrdFraction', valueDecimal: r.mrdFraction }] : []),
      ...(r.mrdComparator !== undefined ? [{ url: 'mrdComparator', valueCode: r.mrdComparator }] : []),
      ...(r.mrdSensitivity !== undefined ? [{ url: 'mrdSensitivity', valueDecimal: r.mrdSensitivity }] : []),
      ...refs('responseEvidence', r.evidence),
      ...refs('infusion', c.evidence),
    ],
  };
}

/** One unit for both sides: mcg/day when both carry it, else mcg/m²/day, else whatever each side has. */
function restartQuantities(t: ToxicityRestart): { from?: Quantity; to?: Quantity } {
  if (t.fromMcgPerDay !== undefined && t.toMcgPerDay !== undefined) {
    return { from: perDay(t.fromMcgPerDay), to: perDay(t.toMcgPerDay) };
  }
  if (t.fromMcgPerM2PerDay !== undefined && t.toMcgPerM2PerDay !== undefined) {
    return { from: perM2PerDay(t.fromMcgPerM2PerDay), to: perM2PerDay(t.toMcgPerM2PerDay) };
  }
  const q = (day?: number, m2?: number) =>
    day !== undefined ? perDay(day) : m2 !== undefined ? perM2PerDay(m2) : undefined;
  const from = q(t.fromMcgPerDay, t.fromMcgPerM2PerDay);
  const to = q(t.toMcgPerDay, t.toMcgPerM2PerDay);
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function renderRestart(t: ToxicityRestart): Extension {
  const { from, to } = restartQuantities(t);
  return {
    url: `${SD}/course-toxicity-restart`,
    extension: [
      { url: 'at', valueDateTime: t.at },
      ...(from ? [{ url: 'from', valueQuantity: from }] : []),
      ...(to ? [{ url: 'to', valueQuantity: to }] : []),
      ...refs('evidence', t.evidence),
    ],
  };
}

/** Which basis steps, indication and restarts were judged on, and the BSA used (clinical-rules §1). */
function renderDoseBasis(course: Course): Extension {
  const bsa = course.bsa;
  return {
    url: `${SD}/course-dose-basis`,
    extension: [
      { url: 'basis', valueCode: course.doseBasis },
      ...(bsa
        ? [
            { url: 'bsa', valueQuantity: { value: bsa.m2, unit: 'm2', system: UCUM, code: 'm2' } },
            { url: 'bsaMethod', valueCode: bsa.method },
            { url: 'bsaDate', valueDateTime: bsa.at },
            ...refs('evidence', bsa.evidence),
          ]
        : []),
    ],
  };
}

function renderLink(l: CourseLink): Extension {
  return {
    url: `${SD}/course-link`,
    extension: [
      { url: 'kind', valueCode: l.kind },
      { url: 'timing', valueCode: l.timing },
      { url: 'at', valueDateTime: l.at },
      ...(l.detail !== undefined ? [{ url: 'detail', valueString: l.detail }] : []),
      ...refs('evidence', l.evidence),
    ],
  };
}

export function renderCourse(course: Course): MedicationStatement {
  const steps = course.cycles.flatMap((c) => c.doseSteps);
  const reasons = course.diagnoses.map((d) => refToReference(d) as Reference<Condition>);
  return {
    resourceType: 'MedicationStatement',
    id: course.id,
    meta: { profile: [COURSE_PROFILE] },
    extension: [
      { url: `${SD}/course-number`, valuePositiveInt: course.number },
      { url: `${SD}/course-indication`, valueCode: course.indication },
      renderDoseBasis(course),
      ...course.cycles.map(renderCycle),
      ...course.toxicityRestarts.map(renderRestart),
      ...course.links.map(renderLink),
    ],
    identifier: [{ system: COURSE_IDENTIFIER_SYSTEM, value: course.id }],
    status: course.status,
    ...(course.endReason !== undefined
      ? { statusReason: [{ coding: [{ system: `${CS}/course-end-reason`, code: course.endReason }] }] }
      : {}),
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '1597258', display: 'blinatumomab' }] },
    subject: { reference: `Patient/${course.patient}` },
    effectivePeriod: period(course.start, course.end),
    derivedFrom: course.infusions.map((r) => refToReference(r) as Reference),
    ...(reasons.length > 0 ? { reasonReference: reasons } : {}),
    ...(steps.length > 0 ? { dosage: steps.map((s, i) => renderDosage(s, i + 1)) } : {}),
  };
}
