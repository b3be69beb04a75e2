/** Number formatting for flag `detail` lines: numbers and fixed words only, never source text. */
import { isoDate } from '../time';

/** A number with up to 3 significant digits, without trailing zeros (0.15, 39.3, 24600). */
export function num(x: number): string {
  if (x === 0) return '0';
  return Math.abs(x) >= 1000 ? String(Math.round(x)) : String(Number(x.toPrecision(3)));
}

/** A fraction of cells as a percent: 0.0015 → "0.15%". */
export function percent(fraction: number): string {
  return `${num(fraction * 100)}%`;
}

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/** 1e-4 → "10⁻⁴"; a fraction that is not a power of ten is printed as a percent. */
export function powerOfTen(fraction: number): string {
  const exp = Math.log10(fraction);
  if (Number.isInteger(Number(exp.toFixed(9)))) {
    return `10${[...String(Math.round(exp))].map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
  }
  return percent(fraction);
}

export function date(t: string): string {
  return isoDate(t);
}
