/** Reading one MRD result against the positivity threshold, keeping comparators honest. */
import type { MrdResult } from '../events';
import { percent } from './format';

export type MrdReading = 'positive' | 'negative' | 'indeterminate';

/**
 * positive: a value at or above the threshold (">0.5%" too), or "detected" without a number;
 * negative: "not detected", a value below it, or "<x" with x at or below it ("<0.01%" at 10⁻⁴);
 * indeterminate: anything else (e.g. "<1%", or "≤10⁻⁴" exactly at the threshold).
 */
export function readMrd(m: MrdResult, threshold: number): MrdReading {
  if (!m.detected) return 'negative';
  const f = m.fraction;
  if (f === undefined) return 'positive';
  switch (m.comparator) {
    case '<':
      return f <= threshold ? 'negative' : 'indeterminate';
    case '<=':
      return f < threshold ? 'negative' : 'indeterminate';
    case '>':
    case '>=':
      return f >= threshold ? 'positive' : 'indeterminate';
    default:
      return f >= threshold ? 'positive' : 'negative';
  }
}

/** A number that can be compared (no "<" / ">"), for log-rise checks. */
export function quantifiable(m: MrdResult): number | undefined {
  return m.detected && m.fraction !== undefined && m.comparator === undefined && m.fraction > 0
    ? m.fraction
    : undefined;
}

/** A censored result keeps its comparator and sensitivity: "MRD <0.01% (sensitivity 0.01%)". */
export function describeMrd(m: MrdResult): string {
  const sensitivity = m.sensitivity !== undefined ? ` (sensitivity ${percent(m.sensitivity)})` : '';
  if (m.fraction !== undefined && m.comparator !== undefined)
    return `MRD ${m.comparator}${percent(m.fraction)}${sensitivity}`;
  if (!m.detected) return `MRD not detected${sensitivity}`;
  if (m.fraction === undefined) return `MRD detected (unquantified)${sensitivity}`;
  return `MRD ${percent(m.fraction)}${sensitivity}`;
}
