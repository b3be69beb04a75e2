/**
 * Leukaemia markers: MRD (fraction, comparator, text results, sensitivity) and CD19 on blasts
 * (coded, text, % positive; also read from an immunophenotype panel's result text).
 */
import type { Cd19Level, Comparator } from '../domain/events';
import { conceptSet, matchConcept, matchTexts, textsOf, type ConceptMatch } from './concepts';
import type { ObservationEnv, ObservationUnit } from './observation-env';
import { Unmappable } from './result';
import { isReadableText, TOO_LONG } from './text-scan';
import { parseMrdText, readCd19Text, resolveCd19Levels, type TextFraction } from './text-values';
import { shownUnit } from './keys';
import { factorFor, readNumeric, tidy } from './units';

const DETECTION = conceptSet('value-not-detected', 'value-negative', 'value-detected', 'value-positive');
const CD19_VALUES = conceptSet('value-dim', 'value-negative', 'value-positive');

/** Negation first: "not detected" also contains "detected". */
function detectedFrom(matches: ConceptMatch[]): boolean | undefined {
  if (matches.some((m) => m.concept === 'value-not-detected' || m.concept === 'value-negative')) return false;
  if (matches.some((m) => m.concept === 'value-detected' || m.concept === 'value-positive')) return true;
  return undefined;
}

const below = (c: Comparator | undefined) => c === '<' || c === '<=';

function mrdFromQuantity(env: ObservationEnv, u: ObservationUnit): TextFraction | undefined {
  const n = readNumeric(
    { valueQuantity: u.holder.valueQuantity, valueInteger: u.holder.valueInteger },
    u.path,
  );
  if (!n) return undefined;
  const table = env.units.mrdFraction;
  let factor = factorFor(table, n.units);
  if (factor === undefined) {
    const m = n.units.map((x) => table.powerOfTenUnit.exec(x)).find((x) => x);
    if (m) factor = 10 ** Number(m[1]);
  }
  if (factor === undefined && n.value !== 0) {
    const shown = shownUnit(n.units[0]);
    throw new Unmappable(
      `${n.path}${u.holder.valueQuantity ? '.unit' : ''}`,
      `MRD: ${shown} is not %, 1 or a power of ten`,
    );
  }
  return { fraction: tidy(n.value * (factor ?? 1)), comparator: n.comparator };
}

export function mapMrd(env: ObservationEnv, u: ObservationUnit): void {
  const h = u.holder;
  const texts = [
    ...(typeof h.valueString === 'string' ? [h.valueString] : []),
    ...textsOf(h.valueCodeableConcept),
  ];
  let result = mrdFromQuantity(env, u);
  let sensitivity: number | undefined;
  for (const t of texts) {
    if (!isReadableText(t)) throw new Unmappable(`${u.path}.value[x]`, `MRD: ${TOO_LONG}`);
    const parsed = parseMrdText(t);
    if (parsed.result === 'ambiguous' || parsed.sensitivity === 'ambiguous') {
      throw new Unmappable(
        `${u.path}.value[x]`,
        'MRD: a bare number in text is ambiguous (fraction or percent?)',
      );
    }
    result ??= parsed.result;
    sensitivity ??= parsed.sensitivity?.fraction;
  }
  const words = h.valueCodeableConcept
    ? matchConcept(h.valueCodeableConcept, DETECTION, env.scope)
    : matchTexts(texts, DETECTION, env.scope);
  if (typeof h.valueBoolean === 'boolean')
    words.push({
      concept: h.valueBoolean ? 'value-detected' : 'value-not-detected',
      attributes: {},
      via: 'coding',
    });
  let detected = detectedFrom(words);
  if (result) {
    if (below(result.comparator)) sensitivity ??= result.fraction;
    detected = detected === false ? false : !below(result.comparator) && result.fraction > 0;
  }
  if (detected === undefined)
    throw new Unmappable(`${u.path}.value[x]`, 'MRD: result is neither a level nor detected/not detected');
  env.events.add('MrdResult', {
    fraction: result ? tidy(result.fraction) : undefined,
    comparator: result?.comparator,
    detected,
    sensitivity: sensitivity === undefined ? undefined : tidy(sensitivity),
    specimen: env.specimen === 'csf' ? 'unknown' : (env.specimen ?? 'unknown'),
  });
}

function levelFromMatches(matches: ConceptMatch[]): Set<Cd19Level> {
  const levels = new Set<Cd19Level>();
  for (const m of matches) {
    if (m.concept === 'value-dim') levels.add('dim');
    if (m.concept === 'value-negative') levels.add('negative');
    if (m.concept === 'value-positive') levels.add('positive');
  }
  return levels;
}

export function mapCd19(env: ObservationEnv, u: ObservationUnit): void {
  const h = u.holder;
  let levels = new Set<Cd19Level>();
  let percent: number | undefined;
  if (h.valueCodeableConcept)
    levels = levelFromMatches(matchConcept(h.valueCodeableConcept, CD19_VALUES, env.scope));
  for (const t of typeof h.valueString === 'string' ? [h.valueString] : []) {
    if (!isReadableText(t)) throw new Unmappable(`${u.path}.valueString`, `CD19: ${TOO_LONG}`);
    const read = readCd19Text(t);
    percent ??= read.percent;
    const stated = read.mentionsCd19
      ? read.levels
      : levelFromMatches(matchTexts([t], CD19_VALUES, env.scope));
    stated.forEach((l) => levels.add(l));
  }
  if (typeof h.valueBoolean === 'boolean') levels.add(h.valueBoolean ? 'positive' : 'negative');
  const n = h.valueQuantity ? readNumeric({ valueQuantity: h.valueQuantity }, u.path) : undefined;
  if (n) {
    const f = factorFor(env.units.percent, n.units);
    if (f === undefined) throw new Unmappable(`${n.path}.unit`, 'CD19: % of blasts expected');
    percent = tidy(n.value * f);
  }
  let level = resolveCd19Levels(levels);
  if (level === 'conflict')
    throw new Unmappable(`${u.path}.value[x]`, 'CD19: both positive and negative stated');
  if (level === undefined && percent !== undefined) {
    level = percent >= env.units.cd19.positiveMinPercent ? 'positive' : 'negative';
  }
  if (level === undefined)
    throw new Unmappable(`${u.path}.value[x]`, 'CD19: no positive/negative/dim or % value');
  env.events.add('Cd19Expression', { level, percentPositive: percent });
}

/** An immunophenotype panel's result text: only its statement about CD19 is read. */
export function mapPanelText(env: ObservationEnv, u: ObservationUnit): void {
  const h = u.holder;
  const texts = [
    ...(typeof h.valueString === 'string' ? [h.valueString] : []),
    ...textsOf(h.valueCodeableConcept),
  ];
  for (const t of texts) {
    if (!isReadableText(t)) throw new Unmappable(`${u.path}.value[x]`, `Panel result: ${TOO_LONG}`);
    const read = readCd19Text(t);
    if (!read.mentionsCd19) continue;
    const level = resolveCd19Levels(read.levels);
    if (level === 'conflict')
      throw new Unmappable(`${u.path}.value[x]`, 'CD19: both positive and negative stated');
    if (!level) throw new Unmappable(`${u.path}.value[x]`, 'CD19 named without positive/negative/dim');
    env.events.add('Cd19Expression', { level });
    return;
  }
}
