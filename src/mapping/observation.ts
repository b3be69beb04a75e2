/**
 * Observation → events. The Observation's code (and each component's code) is matched to a concept;
 * each recognised value is read by its concept's handler. Panels: an immunophenotype panel's result
 * text and its CD19 component give CD19 on blasts; a genetic-variant Observation counts only when the
 * gene studied is KMT2A. An Observation on a CSF specimen stating CNS1/2/3 is a CNS status.
 */
import type { Observation, Specimen } from '@medplum/fhirtypes';
import { conceptSet, matchConcept, matchTexts, textsOf, codesOf, type ConceptMatch } from './concepts';
import { hasValue, type ObservationEnv, type ObservationUnit } from './observation-env';
import { mapLab } from './observation-labs';
import { mapCd19, mapMrd, mapPanelText } from './observation-markers';
import {
  cnsStatusOf,
  mapCnsStatus,
  mapDiseaseStatus,
  mapKmt2a,
  mapOxygen,
  studiesKmt2a,
} from './observation-special';
import { resolveReference } from './references';
import {
  EventCollector,
  ignored,
  issue,
  mapped,
  requirePatient,
  retracted,
  timeOf,
  Unmappable,
} from './result';
import type { ConceptId, MappingContext, MappingResult } from './types';

const CODE_CONCEPTS: ConceptId[] = [
  'mrd',
  'cd19-on-blasts',
  'b-cell-count',
  'immunophenotype-panel',
  'marrow-blasts',
  'peripheral-blasts',
  'ferritin',
  'wbc',
  'platelets',
  'anc',
  'ast',
  'alt',
  'ldh',
  'bilirubin',
  'fibrinogen',
  'triglycerides',
  'body-temperature',
  'body-surface-area',
  'body-height',
  'body-weight',
  'genetic-variant-assessment',
  'kmt2a-rearrangement',
  'disease-status',
  'oxygen-fio2',
  'oxygen-flow',
  'cns-status',
];
const OBSERVATION_CODES = new Set<ConceptId>(CODE_CONCEPTS);
const COMPONENT_CODES = new Set<ConceptId>(
  CODE_CONCEPTS.filter((c) => c !== 'immunophenotype-panel' && c !== 'genetic-variant-assessment'),
);
const PANEL_COMPONENT_CODES = new Set<ConceptId>([...COMPONENT_CODES, 'cd19-panel-component']);
const SPECIMENS = conceptSet(
  'specimen-bone-marrow',
  'specimen-peripheral-blood',
  'specimen-csf',
  'site-bone-marrow',
);

function specimenOf(o: Observation, ctx: MappingContext): ObservationEnv['specimen'] {
  const scope = { mappings: ctx.mappings, source: ctx.source };
  const spec = resolveReference<Specimen>(o, o.specimen, 'Specimen', ctx);
  const found =
    matchConcept(spec?.type, SPECIMENS, scope)[0] ??
    matchConcept(o.bodySite, SPECIMENS, scope)[0] ??
    matchTexts(textsOf(o.code), SPECIMENS, scope)[0];
  if (!found) return undefined;
  if (found.concept === 'specimen-csf') return 'csf';
  return found.concept === 'specimen-peripheral-blood' ? 'peripheral-blood' : 'bone-marrow';
}

function first(matches: ConceptMatch[]): ConceptMatch | undefined {
  return matches[0];
}

/** What to read in this Observation (empty: nothing recognised). */
function unitsOf(o: Observation, env: Omit<ObservationEnv, 'events'>): ObservationUnit[] {
  const main = first(matchConcept(o.code, OBSERVATION_CODES, env.scope));
  const units: ObservationUnit[] = [];
  if (main?.concept === 'b-cell-count') return units;
  if (main) units.push({ match: main, holder: o, path: 'Observation' });
  if (main?.concept === 'genetic-variant-assessment') return units;
  const allowed = main?.concept === 'immunophenotype-panel' ? PANEL_COMPONENT_CODES : COMPONENT_CODES;
  (Array.isArray(o.component) ? o.component : []).forEach((c, i) => {
    const m = first(matchConcept(c?.code, allowed, env.scope));
    if (m && m.concept !== 'b-cell-count')
      units.push({ match: m, holder: c, path: `Observation.component[${i}]` });
  });
  if (!main && units.length === 0 && env.specimen === 'csf') {
    const u: ObservationUnit = {
      match: { concept: 'cns-status', attributes: {}, via: 'text' },
      holder: o,
      path: 'Observation',
    };
    if (cnsStatusOf(u)) units.push(u);
  }
  return units;
}

function readUnit(env: ObservationEnv, u: ObservationUnit): void {
  switch (u.match.concept) {
    case 'mrd':
      return mapMrd(env, u);
    case 'cd19-on-blasts':
    case 'cd19-panel-component':
      return mapCd19(env, u);
    case 'immunophenotype-panel':
      return mapPanelText(env, u);
    case 'genetic-variant-assessment':
    case 'kmt2a-rearrangement':
      return mapKmt2a(env, u);
    case 'disease-status':
      return mapDiseaseStatus(env, u);
    case 'cns-status':
      return mapCnsStatus(env, u);
    default:
      if (!mapLab(env, u))
        throw new Unmappable(u.path, `concept ${u.match.concept} has no Observation reader`, 'not-supported');
  }
}

export function mapObservation(o: Observation, ctx: MappingContext): MappingResult {
  if (o.status === 'entered-in-error') return retracted('Observation');
  const scope = { mappings: ctx.mappings, source: ctx.source };
  const base = { observation: o, scope, units: ctx.mappings.units, specimen: specimenOf(o, ctx) };
  const units = unitsOf(o, base);
  if (units.length === 0) return ignored(`Observation code ${codesOf(o.code)} is not a mapped concept`);
  if (units[0].match.concept === 'genetic-variant-assessment' && !studiesKmt2a(o, scope)) {
    return ignored('Observation genetic variant: gene studied is not KMT2A');
  }
  if (o.status === 'cancelled')
    return mapped([], [issue('information', 'informational', 'Observation cancelled: no result')]);
  const patient = requirePatient(o.subject, 'Observation.subject');
  const at = timeOf(o.effectiveDateTime) ?? timeOf(o.effectivePeriod?.start) ?? timeOf(o.effectiveInstant);
  if (!at) throw new Unmappable('Observation.effective[x]', 'no effective time', 'required');
  const env: ObservationEnv = { ...base, events: new EventCollector(o, patient, at) };
  const issues = [];
  const oxygen = units.filter((u) => u.match.concept === 'oxygen-fio2' || u.match.concept === 'oxygen-flow');
  // A grouping Observation (a panel with hasMember and no value of its own, as DiagnosticReports deliver
  // flow and MRD results) carries no result: its members are Observations mapped on their own.
  const members = Array.isArray(o.hasMember) ? o.hasMember.length : 0;
  for (const u of units) {
    if (oxygen.includes(u)) continue;
    if (!hasValue(u.holder as Record<string, unknown>)) {
      const panel = u.match.concept === 'immunophenotype-panel';
      if (panel) continue;
      if (members > 0 && u.path === 'Observation') {
        issues.push(
          issue(
            'information',
            'informational',
            `Observation is a panel (${u.match.concept}) grouping ${members} hasMember result(s): each member is mapped as its own Observation`,
            'Observation.hasMember',
          ),
        );
        continue;
      }
      if (u.holder.dataAbsentReason) {
        issues.push(
          issue('information', 'informational', `${u.path}: value absent (dataAbsentReason)`, u.path),
        );
        continue;
      }
      throw new Unmappable(`${u.path}.value[x]`, `${u.match.concept}: no value`, 'required');
    }
    readUnit(env, u);
  }
  if (oxygen.length > 0)
    mapOxygen(
      env,
      oxygen.filter((u) => hasValue(u.holder as Record<string, unknown>)),
    );
  return mapped(env.events.events, issues);
}
