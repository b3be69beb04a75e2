/**
 * Grammar for the free-text results the clinical rules allow: MRD levels written as text
 * ("<0.01%", "1e-4", "1.2 x 10^-3", "not detected, sensitivity 10⁻⁵"), CD19 statements in an
 * immunophenotype result ("positive for CD10, CD19 and CD20", "CD19 dim") and CNS status ("CNS2").
 * Pure string functions; the words that mean positive/negative/detected are data (value-* concepts).
 */
import type { Cd19Level, Comparator } from '../domain/events';
import { normaliseNumberText } from './units';

export interface TextFraction {
  fraction: number;
  comparator?: Comparator;
}

const CMP = '(<=|>=|<|>)?\\s*';
const NUM = '(\\d+(?:\\.\\d+)?)';
const MANTISSA_POWER = new RegExp(`${CMP}${NUM}\\s*[x*·]\\s*10\\s*(?:\\^|\\*\\*|\\*)?\\s*(-\\s*\\d+)`);
const E_NOTATION = new RegExp(`${CMP}${NUM}\\s*e\\s*([-+]?\\d+)`);
const POWER_ONLY = new RegExp(`${CMP}(?<![\\d.])10\\s*(?:\\^|\\*\\*|\\*)?\\s*(-\\s*\\d+)`);
const PERCENT = new RegExp(`${CMP}${NUM}\\s*%`);
const BARE = new RegExp(`${CMP}(?<![\\w.])${NUM}(?![\\w.])`);
const SENSITIVITY =
  /sensitivity|\blod\b|limit of (?:detection|quantification)|detection limit|level of detection/;

const cmp = (s: string | undefined): Comparator | undefined => (s ? (s as Comparator) : undefined);
const pow = (s: string) => 10 ** Number(s.replace(/\s+/g, ''));

/**
 * A fraction written in text. Exponent forms and percentages are unambiguous; a bare decimal
 * ("0.001") could be a fraction or a percent, so it is reported as 'ambiguous', never guessed.
 */
export function parseFractionText(text: string): TextFraction | 'ambiguous' | undefined {
  const t = normaliseNumberText(text);
  let m = MANTISSA_POWER.exec(t);
  if (m) return { fraction: Number(m[2]) * pow(m[3]), comparator: cmp(m[1]) };
  m = E_NOTATION.exec(t);
  if (m) return { fraction: Number(m[2]) * pow(m[3]), comparator: cmp(m[1]) };
  m = POWER_ONLY.exec(t);
  if (m) return { fraction: pow(m[2]), comparator: cmp(m[1]) };
  m = PERCENT.exec(t);
  if (m) return { fraction: Number(m[2]) / 100, comparator: cmp(m[1]) };
  return BARE.test(t) ? 'ambiguous' : undefined;
}

export interface MrdText {
  result?: TextFraction | 'ambiguous';
  sensitivity?: TextFraction | 'ambiguous';
}

/** Splits "… sensitivity 1e-5" so the limit is not read as the result. */
export function parseMrdText(text: string): MrdText {
  const t = normaliseNumberText(text);
  const at = t.search(SENSITIVITY);
  if (at < 0) return { result: parseFractionText(t) };
  return { result: parseFractionText(t.slice(0, at)), sensitivity: parseFractionText(t.slice(at)) };
}

const CD19 = /\bcd19(?![0-9a-z])/;
const CD19_DIM =
  /\bcd19\s*[-(:]?\s*(?:dim|weak)|\b(?:dim|weak(?:ly)?)(?:\s+positive)?(?:\s+for)?\s*:?\s*cd19(?![0-9a-z])/;
const CD19_POS = /\bcd19\s*(?:\+|[-(:]?\s*pos)/;
const CD19_NEG = /\bcd19\s*(?:[-(:]?\s*neg|-(?!\s*(?:pos|dim|weak|bright)))/;
const KEYWORDS =
  /\b(weak(?:ly)?\s+positive|dim(?:ly)?\s+positive|partially\s+positive|positive|negative|dim|weak(?:ly)?|express(?:es|ing|ed)?|lack(?:s|ing)?|loss\s+of)\b/g;

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
export function readCd19Text(text: string): Cd19Text {
  const t = normaliseNumberText(text);
  const levels = new Set<Cd19Level>();
  const pct = PERCENT.exec(t);
  const percent = pct ? Number(pct[2]) : undefined;
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
export function readCnsStatus(text: string): 1 | 2 | 3 | undefined {
  const m = /\bcns\s*-?\s*([123])[a-c]?\b/i.exec(text);
  return m ? (Number(m[1]) as 1 | 2 | 3) : undefined;
}
