/**
 * Reading numeric values (valueQuantity, valueInteger, simple valueString) and converting them with
 * the unit rules of mappings/units.json. A unit that is not listed throws Unmappable naming the
 * element: never a guess.
 */
import type { Quantity } from '@medplum/fhirtypes';
import type { Comparator } from '../domain/events';
import { normUnit, shownUnit } from './keys';
import { Unmappable } from './result';
import type { FactorTable } from './types';
import { isDigit, isReadableText } from './text-scan';

/**
 * "<= 5 mg/L", "0,5%": an optional comparator, a number, then the unit (the rest of the text). A scan
 * rather than a regular expression: two `\s*` around an optional comparator backtrack quadratically.
 */
function numberWithUnit(text: string): { comparator?: string; value: number; unit?: string } | undefined {
  if (!isReadableText(text)) return undefined;
  const t = text.replace(/\s+/g, ' ').trim();
  const comparator = ['<=', '>=', '<', '>', '≤', '≥'].find((c) => t.startsWith(c));
  let i = comparator ? comparator.length : 0;
  if (t[i] === ' ') i++;
  const from = i;
  while (isDigit(t[i])) i++;
  if (i === from) return undefined;
  if ((t[i] === '.' || t[i] === ',') && isDigit(t[i + 1])) {
    i++;
    while (isDigit(t[i])) i++;
  }
  const value = Number(t.slice(from, i).replace(',', '.'));
  const unit = t.slice(i).trim();
  return unit ? { comparator, value, unit } : { comparator, value };
}

export interface NumericValue {
  value: number;
  comparator?: Comparator;
  /** Normalised unit candidates: the UCUM `code` first, then the human `unit`. Empty when none charted. */
  units: string[];
  /** FHIRPath of the element the unit sits on, for issues (e.g. `Observation.valueQuantity`). */
  path: string;
}

/** Value holders: an Observation or one of its components. */
export interface ValueHolder {
  valueQuantity?: Quantity;
  valueInteger?: number;
  valueString?: string;
  valueBoolean?: boolean;
  valueCodeableConcept?: import('@medplum/fhirtypes').CodeableConcept;
  dataAbsentReason?: unknown;
}

const COMPARATORS: Record<string, Comparator> = {
  '<': '<',
  '<=': '<=',
  '>=': '>=',
  '>': '>',
  '≤': '<=',
  '≥': '>=',
};

export function quantityUnits(q: { code?: unknown; unit?: unknown }): string[] {
  const out: string[] = [];
  for (const u of [q.code, q.unit]) {
    if (typeof u === 'string' && u.trim() !== '') {
      const n = normUnit(u);
      if (!out.includes(n)) out.push(n);
    }
  }
  return out;
}

/** The numeric value of a holder, or undefined when it has no numeric form. Throws on malformed numbers. */
export function readNumeric(holder: ValueHolder, path: string): NumericValue | undefined {
  const q = holder.valueQuantity;
  if (q && typeof q === 'object') {
    if (typeof q.value !== 'number' || !Number.isFinite(q.value)) {
      throw new Unmappable(`${path}.valueQuantity.value`, 'quantity without a numeric value');
    }
    let comparator: Comparator | undefined;
    if (q.comparator !== undefined) {
      comparator = COMPARATORS[q.comparator as string];
      if (!comparator)
        throw new Unmappable(
          `${path}.valueQuantity.comparator`,
          `comparator ${String(q.comparator)} not supported`,
        );
    }
    return { value: q.value, comparator, units: quantityUnits(q), path: `${path}.valueQuantity` };
  }
  if (typeof holder.valueInteger === 'number')
    return { value: holder.valueInteger, units: [], path: `${path}.valueInteger` };
  if (typeof holder.valueString === 'string') {
    const m = numberWithUnit(holder.valueString);
    if (!m) return undefined;
    return {
      value: m.value,
      comparator: m.comparator ? COMPARATORS[m.comparator] : undefined,
      units: m.unit ? [normUnit(m.unit)] : [],
      path: `${path}.valueString`,
    };
  }
  return undefined;
}

export function factorFor(table: FactorTable, units: string[]): number | undefined {
  for (const u of units) {
    const f = table.factors.get(u);
    if (f !== undefined) return f;
  }
  return undefined;
}

/** value × factor of its unit; zero is zero in any unit; anything else unlisted throws. */
export function convert(table: FactorTable, n: NumericValue, what: string): number {
  const f = factorFor(table, n.units);
  if (f !== undefined) return n.value * f;
  if (n.value === 0) return 0;
  const shown = n.path.endsWith('Quantity') ? shownUnit(n.units[0]) : 'an unrecognised unit';
  throw new Unmappable(
    `${n.path}${n.path.endsWith('Quantity') ? '.unit' : ''}`,
    `${what}: ${shown} is not a recognised unit`,
  );
}

/** Rounds away binary noise from unit factors (0.01 × 0.03 = 0.00030000000000000003). */
export function tidy(x: number): number {
  return Number.parseFloat(x.toPrecision(12));
}

/** Free-text normal form for number parsing: superscripts, unicode minus/times, decimal comma. */
export function normaliseNumberText(s: string): string {
  const sup: Record<string, string> = {
    '⁰': '0',
    '¹': '1',
    '²': '2',
    '³': '3',
    '⁴': '4',
    '⁵': '5',
    '⁶': '6',
    '⁷': '7',
    '⁸': '8',
    '⁹': '9',
    '⁻': '-',
  };
  return s
    .replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]/g, (c) => sup[c] ?? c)
    .replace(/[−–]/g, '-')
    .replace(/×/g, 'x')
    .replace(/≤/g, '<=')
    .replace(/≥/g, '>=')
    .replace(/(\d),(\d)/g, '$1.$2')
    .toLowerCase();
}
