/**
 * Text patterns from mappings/ run on resource text, so they run on a linear-time engine (RE2 semantics,
 * via re2js): no pattern written in the data can make a hostile text cost more than one pass. RE2 has no
 * look-around or back-references; a rule that must exclude words says so with `unless` instead.
 */
import { RE2JS } from 're2js';
import { isReadableText } from './text-scan';

export interface TextPattern {
  /** The pattern as written in the data. */
  readonly source: string;
  /** Text longer than maxChars (default: the mapper's cap) is not read: false / null. */
  test(text: string, maxChars?: number): boolean;
  /** Capture groups of the first match ([0] = whole match), or null. */
  exec(text: string, maxChars?: number): string[] | null;
}

/**
 * RE2's `\s` is ASCII whitespace; JavaScript's (and the FHIR spec's) also covers Unicode spaces such as
 * U+00A0. Folding every whitespace run to one space first keeps `non\u00a0invasive` matching `non-?invasive\s+`.
 */
function foldSpaces(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/** Compiles a case-insensitive data pattern; throws with RE2's message when the syntax is not RE2's. */
export function compileTextPattern(pattern: string): TextPattern {
  const re = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  return {
    source: pattern,
    test(text, maxChars) {
      return typeof text === 'string' && isReadableText(text, maxChars) && re.test(foldSpaces(text));
    },
    exec(text, maxChars) {
      if (typeof text !== 'string' || !isReadableText(text, maxChars)) return null;
      const m = re.matcher(foldSpaces(text));
      if (!m.find()) return null;
      const groups: string[] = [];
      for (let g = 0; g <= re.groupCount(); g++) groups.push(m.group(g) ?? '');
      return groups;
    },
  };
}

/** A pattern that matches unless another one does too ("neurotoxicity", unless "peripheral"). */
export function excluding(pattern: TextPattern, unless: TextPattern | undefined): TextPattern {
  if (!unless) return pattern;
  return {
    source: `${pattern.source} unless ${unless.source}`,
    test: (text, maxChars) => pattern.test(text, maxChars) && !unless.test(text, maxChars),
    exec: (text, maxChars) => (unless.test(text, maxChars) ? null : pattern.exec(text, maxChars)),
  };
}
