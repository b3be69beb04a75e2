/**
 * Observations read from more than a value: KMT2A (gene components), disease status (coded value),
 * oxygen support (FiO2 and flow, possibly as components) and CNS status from CSF.
 */
import type { Observation } from '@medplum/fhirtypes';
import type { DiseaseStatusValue, OxygenSupportLevel } from '../domain/events';
import {
  conceptSet,
  matchConcept,
  matchTexts,
  textsOf,
  type ConceptMatch,
  type MatchScope,
} from './concepts';
import type { ObservationEnv, ObservationUnit } from './observation-env';
import { Unmappable } from './result';
import { readCnsStatus } from './text-values';
import { convert, readNumeric, tidy } from './units';
import type { ConceptId } from './types';

const PRESENCE = conceptSet(
  'value-absent',
  'value-not-detected',
  'value-negative',
  'value-present',
  'value-detected',
  'value-positive',
);
const GENE_STUDIED = conceptSet('gene-studied');
const KMT2A = conceptSet('gene-kmt2a');

function presentFrom(matches: ConceptMatch[]): boolean | undefined {
  const no: ConceptId[] = ['value-absent', 'value-not-detected', 'value-negative'];
  if (matches.some((m) => no.includes(m.concept))) return false;
  return matches.length > 0 ? true : undefined;
}

/** Present/absent of a KMT2A statement, from a coded, text or boolean value. */
function presence(env: ObservationEnv, u: ObservationUnit): boolean {
  const h = u.holder;
  if (typeof h.valueBoolean === 'boolean') return h.valueBoolean;
  const matches = h.valueCodeableConcept
    ? matchConcept(h.valueCodeableConcept, PRESENCE, env.scope)
    : matchTexts(typeof h.valueString === 'string' ? [h.valueString] : [], PRESENCE, env.scope);
  const present = presentFrom(matches);
  if (present === undefined)
    throw new Unmappable(`${u.path}.value[x]`, 'KMT2A: value is neither present nor absent');
  return present;
}

/** True when a genetic-variant Observation (LOINC 69548-6) studies KMT2A (gene component 48018-6). */
export function studiesKmt2a(o: Observation, scope: MatchScope): boolean {
  const comps = Array.isArray(o.component) ? o.component : [];
  return comps.some(
    (c) =>
      matchConcept(c?.code, GENE_STUDIED, scope).length > 0 &&
      matchConcept(c.valueCodeableConcept, KMT2A, scope).length > 0,
  );
}

export function mapKmt2a(env: ObservationEnv, u: ObservationUnit): void {
  env.events.add('Kmt2aRearrangement', { present: presence(env, u) });
}

const STATUS: Partial<Record<ConceptId, DiseaseStatusValue>> = {
  'status-improved': 'improved',
  'status-stable': 'stable',
  'status-worsened': 'worsened',
  'status-full-remission': 'full-remission',
};

export function mapDiseaseStatus(env: ObservationEnv, u: ObservationUnit): void {
  const allowed = new Set(Object.keys(STATUS) as ConceptId[]);
  const m = matchConcept(u.holder.valueCodeableConcept, allowed, env.scope)[0];
  const status = m ? STATUS[m.concept] : undefined;
  if (!status)
    throw new Unmappable(
      `${u.path}.valueCodeableConcept`,
      'disease status: value is not improved/stable/worsened/full remission',
    );
  env.events.add('DiseaseStatus', { status });
}

/** Texts that may name the device or mode (method, code, value text). */
function oxygenTexts(o: Observation): string[] {
  const comps = Array.isArray(o.component) ? o.component : [];
  return [
    ...textsOf(o.method),
    ...textsOf(o.code),
    ...(typeof o.valueString === 'string' ? [o.valueString] : []),
    ...comps.flatMap((c) => textsOf(c?.code)),
  ];
}

/**
 * FiO2 (3150-0) and O2 flow (3151-8), alone or together (as components). Room air / zero flow gives
 * no event. Level: a device/mode text (CPAP, high-flow…) wins; else flow >6 L/min is high-flow; else
 * low-flow, the lowest level that any supplemental oxygen implies (FiO2 alone is a lower bound).
 */
export function mapOxygen(env: ObservationEnv, parts: ObservationUnit[]): void {
  const { units } = env;
  let fio2: number | undefined;
  let flow: number | undefined;
  for (const u of parts) {
    const n = readNumeric(u.holder, u.path);
    if (!n) throw new Unmappable(`${u.path}.value[x]`, 'oxygen: no numeric value');
    if (u.match.concept === 'oxygen-fio2') fio2 = tidy(convert(units.fio2Fraction, n, 'FiO2'));
    else flow = tidy(convert(units.oxygenFlowLPerMin, n, 'oxygen flow'));
  }
  const onOxygen =
    (flow !== undefined && flow > 0) || (fio2 !== undefined && fio2 > units.oxygen.roomAirFio2);
  if (!onOxygen) return;
  const texts = oxygenTexts(env.observation);
  let level: OxygenSupportLevel | undefined = env.scope.mappings.levelQualifiers.find((q) =>
    texts.some((t) => q.regex.test(t)),
  )?.level;
  if (level === undefined || level === 'low-flow') {
    level = flow !== undefined && flow > units.oxygen.lowFlowMaxLPerMin ? 'high-flow' : 'low-flow';
  }
  env.events.add('OxygenSupport', { level, flowLPerMin: flow, fio2 });
}

/** CNS status texts of a value: string, coded text/display and the codes themselves (e.g. local "CNS2"). */
export function cnsStatusOf(u: ObservationUnit): 1 | 2 | 3 | undefined {
  const h = u.holder;
  const cc = h.valueCodeableConcept;
  const codes = Array.isArray(cc?.coding)
    ? cc.coding.map((c) => c?.code).filter((c) => typeof c === 'string')
    : [];
  for (const t of [...(typeof h.valueString === 'string' ? [h.valueString] : []), ...textsOf(cc), ...codes]) {
    const s = readCnsStatus(t as string);
    if (s) return s;
  }
  return undefined;
}

export function mapCnsStatus(env: ObservationEnv, u: ObservationUnit): void {
  const s = cnsStatusOf(u);
  if (!s) throw new Unmappable(`${u.path}.value[x]`, 'CNS status: value is not CNS1/CNS2/CNS3');
  // CNS1 (no blasts in CSF) is a recognised result with no event form.
  if (s > 1)
    env.events.add('ExtramedullaryDisease', { cnsStatus: s === 2 ? 'CNS2' : 'CNS3', myeloidSarcoma: false });
}
