/**
 * Primitive values judged with the spec's semantics, by scanning (no regular expressions on input).
 * @medplum/core checks primitives with JavaScript regexes and `String.prototype.trim`, which treat
 * U+00A0 and other Unicode spaces as whitespace, and it rejects base64 with line breaks. The spec's
 * regexes use XML Schema semantics (`\s` = space, tab, CR, LF: https://hl7.org/fhir/R4/datatypes.html#primitive),
 * and R4's base64Binary allows whitespace between groups (regex `(\s*([0-9a-zA-Z\+\=]){4}\s*)+`).
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

const isSpecWhitespace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** The spec's `code`: `[^\s]+(\s[^\s]+)*` (tokens separated by single whitespace characters). */
export function isSpecCode(value: string): boolean {
  if (value.length === 0) return false;
  let previousWasSpace = true;
  for (let i = 0; i < value.length; i++) {
    const space = isSpecWhitespace(value.charCodeAt(i));
    if (space && previousWasSpace) return false;
    previousWasSpace = space;
  }
  return !previousWasSpace;
}

/** uri, url, canonical: `\S*`. */
export function hasNoSpecWhitespace(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (isSpecWhitespace(value.charCodeAt(i))) return false;
  return true;
}

/**
 * Something other than (Java-trimmed) whitespace: the HL7 validator's notion of a non-empty value,
 * where only characters up to U+0020 are trimmed.
 */
export function hasContent(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x20) return true;
  return false;
}

function isBase64Char(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2b ||
    c === 0x2f
  );
}

/**
 * One scan of a base64 value, spec whitespace skipped: its characters (padding included), its padding,
 * and whether it is base64 at all (RFC 4648 alphabet, padding only at the end).
 */
function scanBase64(value: string): { count: number; padding: number; valid: boolean } {
  let count = 0;
  let padding = 0;
  let valid = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isSpecWhitespace(c)) continue;
    if (c === 0x3d) padding++;
    else if (padding > 0 || !isBase64Char(c)) valid = false;
    count++;
  }
  return { count, padding, valid: valid && count > 0 && count % 4 === 0 && padding <= 2 };
}

/** base64 (RFC 4648 alphabet, padding only at the end) with spec whitespace anywhere between characters. */
export function isSpecBase64(value: string): boolean {
  return scanBase64(value).valid;
}

/** Bytes of a base64 value that `isSpecBase64` accepts. */
export function base64ByteLength(value: string): number {
  const { count, padding } = scanBase64(value);
  return (count / 4) * 3 - padding;
}

const SEGMENT_END = /[.[]/;

/** The JSON value an issue expression points at (`Observation.effective[x]`, `CodeSystem.concept[3].code`). */
export function valueAt(root: unknown, expression: string): unknown {
  const dot = expression.indexOf('.');
  if (dot < 0) return root;
  let node: unknown = root;
  let rest = expression.slice(dot + 1);
  while (rest.length > 0 && node !== null && typeof node === 'object') {
    const end = rest.search(SEGMENT_END);
    const name = end < 0 ? rest : rest.slice(0, end);
    rest = end < 0 ? '' : rest.slice(end);
    const obj = node as Record<string, unknown>;
    if (rest.startsWith('[x]')) {
      rest = rest.slice(3);
      const key = Object.keys(obj).find((k) => k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length)));
      node = key === undefined ? undefined : obj[key];
    } else node = Object.prototype.hasOwnProperty.call(obj, name) ? obj[name] : undefined;
    while (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      const index = Number(rest.slice(1, close));
      node = Array.isArray(node) && Number.isInteger(index) ? node[index] : undefined;
      rest = rest.slice(close + 1);
    }
    if (rest.startsWith('.')) rest = rest.slice(1);
  }
  return rest.length === 0 ? node : undefined;
}

const SPEC_CHECKS: Record<string, (v: string) => boolean> = {
  base64Binary: isSpecBase64,
  code: isSpecCode,
  uri: hasNoSpecWhitespace,
  url: hasNoSpecWhitespace,
  canonical: hasNoSpecWhitespace,
};

/** 1 MB is the spec's limit for `string` (https://hl7.org/fhir/R4/datatypes.html#string), not for xhtml. */
const isNarrativeDiv = (expression: string): boolean => expression.endsWith('.div');

/**
 * True when @medplum/core reported a primitive as invalid that the spec accepts: a format check of its
 * JavaScript regexes, an "empty" string holding only Unicode spaces, or the string size cap on xhtml.
 */
export function isFalsePrimitiveIssue(resource: unknown, i: OperationOutcomeIssue): boolean {
  const at = i.expression?.[0];
  if (at === undefined) return false;
  const text = i.diagnostics ?? '';
  if (text === 'String cannot be larger than 1 MB') return isNarrativeDiv(at);
  if (text !== 'String must contain non-whitespace content' && !text.startsWith('Invalid ')) return false;
  const value = valueAt(resource, at);
  if (typeof value !== 'string') return false;
  if (text === 'String must contain non-whitespace content') return hasContent(value);
  const type = /^Invalid (\w+) format$/.exec(text)?.[1];
  const check = type === undefined ? undefined : SPEC_CHECKS[type];
  return check !== undefined && hasContent(value) && check(value);
}

const IS_IMPLIES = /\(([a-z][A-Za-z0-9]*) is [A-Za-z]+ implies /;

/**
 * True for an invariant @medplum/core failed only because `x is T` on an absent `x` gave empty instead of
 * false (ras-2: `probability is decimal implies …` on a prediction without probability). The HL7
 * validator's FHIRPath engine answers false there, so `false implies …` holds, and the R4 examples that
 * rely on it (RiskAssessment-prognosis) are published as valid.
 */
export function isFalseInvariantIssue(resource: unknown, i: OperationOutcomeIssue): boolean {
  const name = i.code === 'invariant' ? IS_IMPLIES.exec(i.diagnostics ?? '')?.[1] : undefined;
  const at = i.expression?.[0];
  if (name === undefined || at === undefined) return false;
  const node = valueAt(resource, at);
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
  const keys = Object.keys(node);
  return !keys.some((k) => k === name || (k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length))));
}
