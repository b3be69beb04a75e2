/**
 * Linear-time reading of numbers in free text. Resource text is hostile input: a backtracking regular
 * expression with `\d+…\s*` around a number costs O(n²) on a long digit or space run (40k characters took
 * 24 s). Here every character is visited a bounded number of times: the text is split once into number
 * tokens, and each form looks only at the few characters around a token.
 */

/** Longest text the mapper interprets; longer text is treated as unreadable, never partly read. */
export const MAX_MAPPED_TEXT_CHARS = 4096;

export function isReadableText(s: string, maxChars = MAX_MAPPED_TEXT_CHARS): boolean {
  return s.length <= maxChars;
}

/** Unmappable-style message for a result text past the cap. */
export const TOO_LONG = `text longer than ${MAX_MAPPED_TEXT_CHARS} characters is not read`;

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isSpace = (c: string | undefined) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isWord = (c: string | undefined) =>
  c !== undefined && (isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');

/** A number written as digits with an optional decimal part, at [start, end). */
export interface NumberToken {
  start: number;
  end: number;
  text: string;
}

/** Maximal `\d+(\.\d+)?` runs, left to right. */
export function numberTokens(t: string): NumberToken[] {
  const out: NumberToken[] = [];
  let i = 0;
  while (i < t.length) {
    if (!isDigit(t[i])) {
      i++;
      continue;
    }
    const start = i;
    while (isDigit(t[i])) i++;
    if (t[i] === '.' && isDigit(t[i + 1])) {
      i++;
      while (isDigit(t[i])) i++;
    }
    out.push({ start, end: i, text: t.slice(start, i) });
  }
  return out;
}

export const skipSpaces = (t: string, i: number): number => {
  while (isSpace(t[i])) i++;
  return i;
};

/** The comparator (`<`, `<=`, `>`, `>=`) written just before `start`, spaces allowed in between. */
export function comparatorBefore(t: string, start: number): '<' | '<=' | '>' | '>=' | undefined {
  let j = start;
  while (j > 0 && isSpace(t[j - 1])) j--;
  const c = t[j - 1];
  if (c === '<' || c === '>') return c;
  if (c === '=' && (t[j - 2] === '<' || t[j - 2] === '>')) return `${t[j - 2]}=` as '<=' | '>=';
  return undefined;
}

/** A signed exponent after `i` in a power of ten: `^`, `**` or `*` optional, then `-` and digits. */
export function negativePowerAt(t: string, i: number): { exponent: number; end: number } | undefined {
  let j = skipSpaces(t, i);
  if (t.startsWith('**', j)) j += 2;
  else if (t[j] === '^' || t[j] === '*') j++;
  j = skipSpaces(t, j);
  if (t[j] !== '-') return undefined;
  j = skipSpaces(t, j + 1);
  const from = j;
  while (isDigit(t[j])) j++;
  return j > from ? { exponent: -Number(t.slice(from, j)), end: j } : undefined;
}

/** An e-notation exponent after `i` (`e-4`, `e +3`), spaces allowed around the `e`. */
export function eExponentAt(t: string, i: number): number | undefined {
  let j = skipSpaces(t, i);
  if (t[j] !== 'e') return undefined;
  j = skipSpaces(t, j + 1);
  let sign = 1;
  if (t[j] === '-' || t[j] === '+') sign = t[j++] === '-' ? -1 : 1;
  const from = j;
  while (isDigit(t[j])) j++;
  return j > from ? sign * Number(t.slice(from, j)) : undefined;
}

export { isDigit, isSpace, isWord };
