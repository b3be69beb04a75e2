/**
 * Reading blast percentages with their charted comparator: "<5%" is below the 5% threshold, never a
 * relapse; ">50%" is above 50%.
 */
import type { Comparator } from '../events';

interface Charted {
  percent?: number;
  comparator?: Comparator;
}

/** True when the charted value is certainly below `threshold`. */
export function certainlyBelow(b: Charted, threshold: number): boolean {
  if (b.percent === undefined) return false;
  if (b.comparator === '<') return b.percent <= threshold;
  if (b.comparator === '>' || b.comparator === '>=') return false;
  return b.percent < threshold;
}

/** True when the charted value is certainly at or above `threshold`. */
export function certainlyAtLeast(b: Charted, threshold: number): boolean {
  if (b.percent === undefined || b.comparator === '<' || b.comparator === '<=') return false;
  return b.percent >= threshold;
}

/** True when the charted value is certainly above `threshold`. */
export function certainlyAbove(b: Charted, threshold: number): boolean {
  if (b.percent === undefined || b.comparator === '<' || b.comparator === '<=') return false;
  if (b.comparator === '>') return b.percent >= threshold;
  return b.percent > threshold;
}

/** The value when charted exactly (no comparator), for comparisons between results. */
export function exact(b: Charted): number | undefined {
  return b.comparator === undefined ? b.percent : undefined;
}
