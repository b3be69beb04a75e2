/**
 * Coding and text matcher. Precedence, per CodeableConcept:
 *   1. the source's own ConceptMap (mappings/sources/<source>.json) for each coding,
 *   2. the shipped code lists (mappings/concepts.json),
 *   3. text patterns on `text` and the codings' `display`, only when no coding matched.
 * A coding matched to an `excluded` concept (e.g. LOINC 8117-4, B cells) also stops the text rules.
 */
import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import { codingKey } from './keys';
import type { ConceptAttributes, ConceptId, ConceptRule, MappingSet } from './types';

export interface ConceptMatch {
  concept: ConceptId;
  attributes: ConceptAttributes;
  via: 'source' | 'coding' | 'text';
}

export interface MatchScope {
  mappings: MappingSet;
  source: string;
}

function asArray<T>(v: T[] | undefined): T[] {
  return Array.isArray(v) ? v : [];
}

/** The rule for one coding, or undefined. Tolerates malformed codings (non-string system/code). */
export function ruleForCoding(
  coding: Coding,
  scope: MatchScope,
): { rule: ConceptRule; via: 'source' | 'coding' } | undefined {
  if (typeof coding?.system !== 'string' || typeof coding.code !== 'string') return undefined;
  const { mappings } = scope;
  const k = codingKey(coding.system, coding.code, mappings.systemAliases, mappings.dotlessSystems);
  const local = mappings.sources.get(scope.source)?.get(k);
  if (local) return { rule: local, via: 'source' };
  const shipped = mappings.codings.get(k);
  return shipped ? { rule: shipped, via: 'coding' } : undefined;
}

function merge(into: ConceptMatch[], m: ConceptMatch): void {
  const prev = into.find((x) => x.concept === m.concept);
  if (prev) prev.attributes = { ...prev.attributes, ...m.attributes };
  else into.push({ ...m, attributes: { ...m.attributes } });
}

/** Texts of a CodeableConcept that text rules read: `text` and each coding's `display`. */
export function textsOf(cc: CodeableConcept | undefined): string[] {
  if (!cc || typeof cc !== 'object') return [];
  const out: string[] = [];
  if (typeof cc.text === 'string') out.push(cc.text);
  for (const c of asArray(cc.coding)) if (typeof c?.display === 'string') out.push(c.display);
  return out;
}

/** Text-rule matches for free strings, restricted to `allowed`, in data order (first = highest priority). */
export function matchTexts(
  texts: string[],
  allowed: ReadonlySet<ConceptId>,
  scope: MatchScope,
): ConceptMatch[] {
  const out: ConceptMatch[] = [];
  if (texts.length === 0) return out;
  for (const rule of scope.mappings.textRules) {
    if (!allowed.has(rule.concept)) continue;
    if (texts.some((t) => rule.regex.test(t)))
      merge(out, { concept: rule.concept, attributes: rule.attributes, via: 'text' });
  }
  return out;
}

/**
 * Concepts a CodeableConcept means, restricted to `allowed`. Codings first (all codings, merged per
 * concept: SNOMED B-ALL + ICD C91.02 gives b-all with relapse), text only when no coding matched.
 */
export function matchConcept(
  cc: CodeableConcept | undefined,
  allowed: ReadonlySet<ConceptId>,
  scope: MatchScope,
): ConceptMatch[] {
  if (!cc || typeof cc !== 'object') return [];
  const out: ConceptMatch[] = [];
  for (const coding of asArray(cc.coding)) {
    const hit = ruleForCoding(coding, scope);
    if (hit && allowed.has(hit.rule.concept)) merge(out, { ...hit.rule, via: hit.via });
  }
  if (out.length > 0) return out;
  return matchTexts(textsOf(cc), allowed, scope);
}

/** First match over several CodeableConcepts (e.g. Medication.code then its ingredients). */
export function matchAny(
  ccs: (CodeableConcept | undefined)[],
  allowed: ReadonlySet<ConceptId>,
  scope: MatchScope,
): ConceptMatch[] {
  for (const cc of ccs) {
    const m = matchConcept(cc, allowed, scope);
    if (m.length > 0) return m;
  }
  return [];
}

/** `system|code` of every coding, for issue diagnostics (codes only, never free text). */
export function codesOf(cc: CodeableConcept | undefined): string {
  // Bounded: codes only, at most five, each cut to 80 characters.
  const codes = asArray(cc?.coding)
    .filter((c) => typeof c?.code === 'string')
    .slice(0, 5)
    .map((c) => `${typeof c.system === 'string' ? c.system : '?'}|${c.code}`.slice(0, 80));
  return codes.length > 0 ? codes.join(', ') : '(no coding)';
}

export const conceptSet = (...ids: ConceptId[]): ReadonlySet<ConceptId> => new Set(ids);
