/**
 * Grammar for the free-text results the clinical rules allow: MRD levels written as text
 * ("<0.01%", "1e-4", "1.2 x 10^-3", "not detected, sensitivity 10⁻⁵"), CD19 statements in an
 * immunophenotype result ("positive for CD10, CD19 and CD20", "CD19 dim") and CNS status ("CNS2").
 * Pure string functions; the words that mean positive/negative/detected are data (value-* concepts).
 */
import type { Cd19Level, Comparator } from '../domain/events';
import { normaliseNumberText } from './units';
import {
  comparatorBefore,
  eExponentAt,
  isDigit,
  isReadableText,
  MAX_MAPPED_TEXT_CHARS,
  isWord,
  negativePowerAt,
  numberTokens,
  skipSpaces,
  type NumberToken,
} from './text-scan';

export interface TextFraction {
  fraction: number;
  comparator?: Comparator;
}

/** Lower case, number forms normalised, every whitespace run (Unicode spaces included) one space. */
function readableWords(text: string): string {
  return normaliseNumberText(text).replace(/\s+/g, ' ');
}

type Form = (t: string, tokens: NumberToken[]) => TextFraction | undefined;

const fraction = (value: number, comparator: Comparator | undefined): TextFraction =>
  comparator ? { fraction: value, comparator } : { fraction: value };

/** "1.2 x 10^-3", "3*10**-4": a mantissa times a negative power of ten. */
const mantissaPower: Form = (t, tokens) => {
  for (const n of tokens) {
    let j = skipSpaces(t, n.end);
    if (t[j] !== 'x' && t[j] !== '*' && t[j] !== '·') continue;
    j = skipSpaces(t, j + 1);
    if (!t.startsWith('10', j)) continue;
    const p = negativePowerAt(t, j + 2);
    if (p) return fraction(Number(n.text) * 10 ** p.exponent, comparatorBefore(t, n.start));
  }
  return undefined;
};

/** "1e-4", "2.5 e-3". */
const eNotation: Form = (t, tokens) => {
  for (const n of tokens) {
    const e = eExponentAt(t, n.end);
    if (e !== undefined) return fraction(Number(n.text) * 10 ** e, comparatorBefore(t, n.start));
  }
  return undefined;
};

/** "10^-5" on its own (not the tail of "2.10^-5"). */
const powerOnly: Form = (t) => {
  for (let i = t.indexOf('10'); i >= 0; i = t.indexOf('10', i + 1)) {
    if (isDigit(t[i - 1]) || t[i - 1] === '.') continue;
    const p = negativePowerAt(t, i + 2);
    if (p) return fraction(10 ** p.exponent, comparatorBefore(t, i));
  }
  return undefined;
};

/** The first number written as a percentage ("0.01 %"), with its token. */
function percentToken(t: string, tokens: NumberToken[]): NumberToken | undefined {
  return tokens.find((n) => t[skipSpaces(t, n.end)] === '%');
}

const percent: Form = (t, tokens) => {
  const n = percentToken(t, tokens);
  return n ? fraction(Number(n.text) / 100, comparatorBefore(t, n.start)) : undefined;
};

/** A number standing alone ("0.001"), not part of a word, code or dotted version. */
const hasBareNumber = (t: string, tokens: NumberToken[]) =>
  tokens.some(
    (n) => !isWord(t[n.start - 1]) && t[n.start - 1] !== '.' && !isWord(t[n.end]) && t[n.end] !== '.',
  );

// Sensitivity words are fixed strings: an alternation of literals is linear in any engine.
const SENSITIVITY =
  /sensitivity|\blod\b|limit of (?:detection|quantification)|detection limit|level of detection/;

/**
 * A fraction written in text. Exponent forms and percentages are unambiguous; a bare decimal
 * ("0.001") could be a fraction or a percent, so it is reported as 'ambiguous', never guessed.
 * Forms are tried in that order over the whole text, as a reader would: the first form found wins.
 */
export function parseFractionText(
  text: string,
  maxChars = MAX_MAPPED_TEXT_CHARS,
): TextFraction | 'ambiguous' | undefined {
  if (!isReadableText(text, maxChars)) return undefined;
  const t = readableWords(text);
  const tokens = numberTokens(t);
  for (const form of [mantissaPower, eNotation, powerOnly, percent]) {
    const f = form(t, tokens);
    if (f) return f;
  }
  return hasBareNumber(t, tokens) ? 'ambiguous' : undefined;
}

export interface MrdText {
  result?: TextFraction | 'ambiguous';
  sensitivity?: TextFraction | 'ambiguous';
}

/** Splits "… sensitivity 1e-5" so the limit is not read as the result. */
export function parseMrdText(text: string, maxChars = MAX_MAPPED_TEXT_CHARS): MrdText {
  if (!isReadableText(text, maxChars)) return {};
  const t = readableWords(text);
  const at = t.search(SENSITIVITY);
  if (at < 0) return { result: parseFractionText(t, maxChars) };
  return {
    result: parseFractionText(t.slice(0, at), maxChars),
    sensitivity: parseFractionText(t.slice(at), maxChars),
  };
}

// These read text whose whitespace runs were collapsed to one space (readableWords), so a ` ?` never
// competes with another quantifier over a long run: no backtracking blow-up.
const CD19 = /\bcd19(?![0-9a-z])/;
const CD19_DIM =
  /\bcd19 ?[-(:]? ?(?:dim|weak)|\b(?:dim|weak(?:ly)?)(?: positive)?(?: for)? ?:? ?cd19(?![0-9a-z])/;
const CD19_POS = /\bcd19 ?(?:\+|[-(:]? ?pos)/;
const CD19_NEG = /\bcd19 ?(?:[-(:]? ?neg|-(?! ?(?:pos|dim|weak|bright)))/;
const KEYWORDS =
  /\b(weak(?:ly)? positive|dim(?:ly)? positive|partially positive|positive|negative|dim|weak(?:ly)?|express(?:es|ing|ed)?|lack(?:s|ing)?|loss of)\b/g;

function keywordLevel(k: string): Cd19Level {
  if (/^(weak|dim|partially)/.test(k)) return 'dim';
  if (/^(negative|lack|loss)/.test(k)) return 'negative';
  return 'positive';
}

export interface Cd19Text {
  mentionsCd19: boolean;
  /** Levels the text states for CD19 (more than one distinct, except dim+positive, is a conflict). */
  levels: Set<Cd19Level>;
  percent?: number;
}

/** What a text says about CD19: direct forms ("CD19 dim", "CD19-") and lists ("positive for CD10, CD19"). */
export function readCd19Text(text: string, maxChars = MAX_MAPPED_TEXT_CHARS): Cd19Text {
  const levels = new Set<Cd19Level>();
  if (!isReadableText(text, maxChars)) return { mentionsCd19: false, levels };
  const t = readableWords(text);
  const pct = percentToken(t, numberTokens(t));
  const percent = pct ? Number(pct.text) : undefined;
  if (!CD19.test(t)) return { mentionsCd19: false, levels, percent };
  if (CD19_DIM.test(t)) levels.add('dim');
  else if (CD19_POS.test(t)) levels.add('positive');
  else if (CD19_NEG.test(t)) levels.add('negative');
  const hits = [...t.matchAll(KEYWORDS)];
  hits.forEach((h, i) => {
    const start = (h.index ?? 0) + h[0].length;
    const next = hits[i + 1]?.index ?? t.length;
    const stop = t.slice(start, next).search(/[.;]/);
    const span = t.slice(start, stop < 0 ? next : start + stop);
    if (CD19.test(span)) levels.add(keywordLevel(h[1]));
  });
  return { mentionsCd19: true, levels, percent };
}

/** One level from a set of stated levels: dim refines positive; positive with negative is a conflict. */
export function resolveCd19Levels(levels: Set<Cd19Level>): Cd19Level | 'conflict' | undefined {
  if (levels.has('negative') && (levels.has('positive') || levels.has('dim'))) return 'conflict';
  if (levels.has('dim')) return 'dim';
  if (levels.has('positive')) return 'positive';
  if (levels.has('negative')) return 'negative';
  return undefined;
}

/** CNS1/CNS2/CNS3 (sub-classes a–c read as their class) from a CSF result text. */
export function readCnsStatus(text: string, maxChars = MAX_MAPPED_TEXT_CHARS): 1 | 2 | 3 | undefined {
  if (!isReadableText(text, maxChars)) return undefined;
  const m = /\bcns ?-? ?([123])[a-c]?\b/.exec(readableWords(text));
  return m ? (Number(m[1]) as 1 | 2 | 3) : undefined;
}
