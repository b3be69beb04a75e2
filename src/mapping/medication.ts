/**
 * Which drug an administration gives (medicationCodeableConcept, or medicationReference → contained
 * or resolved Medication: its code, then its ingredients) and the blinatumomab dose normalised to
 * mcg/day (and mcg/m²/day when charted per body surface area).
 */
import type {
  CodeableConcept,
  Medication,
  MedicationAdministration,
  MedicationRequest,
  Quantity,
} from '@medplum/fhirtypes';
import { matchAny, type ConceptMatch, type MatchScope } from './concepts';
import { normUnit, shownUnit } from './keys';
import { resolveReference } from './references';
import { Unmappable } from './result';
import { hoursBetween } from '../domain/time';
import { tidy } from './units';
import type { ConceptId, MappingContext, UnitRules } from './types';

export const MEDICATION_CONCEPTS = new Set<ConceptId>([
  'blinatumomab',
  'tocilizumab',
  'dexamethasone',
  'norepinephrine',
  'vasopressin',
  'epinephrine',
  'phenylephrine',
  'dopamine',
  'car-t',
]);

export interface MedicationIdentity {
  match?: ConceptMatch;
  /** The CodeableConcepts read (for diagnostics). */
  codes: CodeableConcept[];
  /** A medicationReference that could not be resolved. */
  unresolved?: string;
}

export function identifyMedication(
  ma: MedicationAdministration | MedicationRequest,
  ctx: MappingContext,
  scope: MatchScope,
): MedicationIdentity {
  if (ma.medicationCodeableConcept) {
    const codes = [ma.medicationCodeableConcept];
    return { match: matchAny(codes, MEDICATION_CONCEPTS, scope)[0], codes };
  }
  const ref = ma.medicationReference;
  if (!ref) return { codes: [] };
  const med = resolveReference<Medication>(ma, ref, 'Medication', ctx);
  if (!med)
    return { codes: [], unresolved: typeof ref.reference === 'string' ? ref.reference : '(no reference)' };
  const ingredients = (Array.isArray(med.ingredient) ? med.ingredient : []).map(
    (i) => i?.itemCodeableConcept,
  );
  const codes = [med.code, ...ingredients].filter((c): c is CodeableConcept => !!c);
  return { match: matchAny(codes, MEDICATION_CONCEPTS, scope)[0], codes };
}

export interface NormalisedDose {
  mcgPerDay?: number;
  mcgPerM2PerDay?: number;
}

interface ParsedUnit {
  /** mcg per charted unit of mass. */
  massUg: number;
  perM2: boolean;
  /** Days per charted unit of time; undefined for a plain amount (no time). */
  days?: number;
}

/** "ug/d", "mcg/(m2.d)", "mcg/m2/day", "mg/24h", "ug/h", "ug/m2"… → parts; undefined when not a dose unit. */
export function parseDoseUnit(unit: string, rules: UnitRules): ParsedUnit | undefined {
  const u = normUnit(unit).replace(/[()]/g, '');
  const [mass, ...rest] = u.split('/');
  const massUg = rules.doseMassUg.factors.get(mass);
  if (massUg === undefined) return undefined;
  let perM2 = false;
  let multiplier: number | undefined;
  let perUnit: number | undefined;
  // Denominator tokens: "m2", a time unit, and an optional count ("24.h" in UCUM, or "24h").
  for (const token of rest.flatMap((r) => r.split(/[.*]/)).filter((t) => t !== '')) {
    const m = /^(\d+(?:\.\d+)?)?([a-z]*)$/.exec(token);
    if (rules.bodySurfaceArea.has(token) && !perM2) perM2 = true;
    else if (m && m[2] === '' && multiplier === undefined) multiplier = Number(m[1]);
    else if (m && rules.dosePeriodDays.factors.has(m[2]) && perUnit === undefined) {
      perUnit = rules.dosePeriodDays.factors.get(m[2]);
      if (m[1]) multiplier = (multiplier ?? 1) * Number(m[1]);
    } else return undefined;
  }
  if (perUnit === undefined && multiplier !== undefined) return undefined;
  const days = perUnit === undefined ? undefined : perUnit * (multiplier ?? 1);
  return { massUg, perM2, days };
}

function unitOf(q: Quantity | undefined): string | undefined {
  return [q?.code, q?.unit].find((x): x is string => typeof x === 'string' && x.trim() !== '');
}

function asDose(valueUg: number, perM2: boolean): NormalisedDose {
  return perM2 ? { mcgPerM2PerDay: tidy(valueUg) } : { mcgPerDay: tidy(valueUg) };
}

/** Days a bag ran, snapped to a standard bag length (24/48/72/96 h, 7 days) within tolerance. */
function bagDays(ma: MedicationAdministration, rules: UnitRules): number {
  const p = ma.effectivePeriod;
  if (typeof p?.start !== 'string' || typeof p.end !== 'string') {
    throw new Unmappable(
      'MedicationAdministration.effectivePeriod',
      'blinatumomab dose without a start and end to divide over',
    );
  }
  const hours = hoursBetween(p.start, p.end);
  const bag = rules.bagPeriods.hours.find((h) => Math.abs(h - hours) <= rules.bagPeriods.toleranceHours);
  if (bag === undefined) {
    throw new Unmappable(
      'MedicationAdministration.effectivePeriod',
      `blinatumomab dose over ${Math.round(hours)} h: not a standard bag length`,
    );
  }
  return bag / 24;
}

/** The blinatumomab dose rate, or {} when none is charted. Throws Unmappable when charted but not normalisable. */
export function normaliseBlinatumomabDose(ma: MedicationAdministration, rules: UnitRules): NormalisedDose {
  const d = ma.dosage;
  if (!d || typeof d !== 'object') return {};
  const path = 'MedicationAdministration.dosage';
  if (d.rateQuantity) {
    const q = d.rateQuantity;
    const unit = unitOf(q);
    const p = unit ? parseDoseUnit(unit, rules) : undefined;
    if (typeof q.value !== 'number' || !Number.isFinite(q.value))
      throw new Unmappable(`${path}.rateQuantity.value`, 'rate without a value');
    if (!p || p.days === undefined)
      throw new Unmappable(`${path}.rateQuantity.unit`, `rate ${shownUnit(unit)} is not mass per time`);
    return asDose((q.value * p.massUg) / p.days, p.perM2);
  }
  if (d.rateRatio) {
    const n = d.rateRatio.numerator;
    const den = d.rateRatio.denominator;
    const pn = unitOf(n) ? parseDoseUnit(unitOf(n) as string, rules) : undefined;
    const dd = unitOf(den) ? rules.dosePeriodDays.factors.get(normUnit(unitOf(den) as string)) : undefined;
    if (
      !pn ||
      pn.days !== undefined ||
      dd === undefined ||
      typeof n?.value !== 'number' ||
      typeof den?.value !== 'number' ||
      den.value <= 0
    ) {
      throw new Unmappable(`${path}.rateRatio`, 'rate ratio is not mass per time');
    }
    return asDose((n.value * pn.massUg) / (den.value * dd), pn.perM2);
  }
  if (d.dose) {
    const q = d.dose;
    const unit = unitOf(q);
    const p = unit ? parseDoseUnit(unit, rules) : undefined;
    if (typeof q.value !== 'number' || !Number.isFinite(q.value))
      throw new Unmappable(`${path}.dose.value`, 'dose without a value');
    if (!p) throw new Unmappable(`${path}.dose.unit`, `dose ${shownUnit(unit)} is not a mass (per m²)`);
    // Some charts put the rate in dose ("28 ug/d"); otherwise the dose is a bag over effectivePeriod.
    const days = p.days ?? bagDays(ma, rules);
    return asDose((q.value * p.massUg) / days, p.perM2);
  }
  return {};
}
