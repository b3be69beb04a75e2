import type { ClinicalEvent, Ferritin } from '../events';
import type { Course, Cycle } from '../course';
import type { SourceRef } from '../source-ref';
import { uniqueRefs } from '../source-ref';
import { toMs } from '../time';
import type { FlagConfig } from './config';
import { num } from './format';
import type { FlagFinding, FlagRule } from './types';
import { cycleToxicityWindow, cyclesOf, dayOf, eventsOf } from './windows';

/**
 * `hlh-mas` — HLH / macrophage activation.
 *
 * clinical-rules.md §3: "a coded HLH/MAS Condition; or ferritin >10,000 ng/mL during a course; or
 * ferritin ≥500 ng/mL with cytopenia in ≥2 lineages and AST/ALT above ULN, followed by tocilizumab
 * and/or dexamethasone." Seed 004: MAS in cycle 2 (hyperferritinaemia, leukopenia, raised AST/ALT,
 * tocilizumab and dexamethasone).
 *
 * "During a course" is read per cycle (cycleToxicityWindow); one episode per cycle, key `cycle-<n>`.
 * Cytopenias: haemoglobin is not among the normalised events, so of the HLH-2004 lineages the
 * neutrophil (ANC < `hlhAncBelow`; WBC < `hlhWbcBelow` stands in when no ANC was charted near the
 * ferritin) and platelet (< `hlhPlateletsBelow`) lineages are read, and "≥2 lineages" means both.
 * Counts and AST/ALT (above their charted ULN; a value without ULN is not read) count within
 * `hlhLabWindowDays` of the ferritin; tocilizumab or dexamethasone must follow from the ferritin's day
 * up to `hlhTreatmentWindowDays` after it. Severity: high.
 */
export const hlhMas: FlagRule = (course, { events, config }) =>
  cyclesOf(course).flatMap((cycle) => {
    const finding = hlhInCycle(course, cycle, events, config);
    return finding ? [finding] : [];
  });

interface Criterion {
  at: string;
  text: string;
  refs: SourceRef[];
}

function hlhInCycle(
  course: Course,
  cycle: Cycle,
  events: readonly ClinicalEvent[],
  config: FlagConfig,
): FlagFinding | undefined {
  const window = cycleToxicityWindow(course, cycle, config);
  const met: Criterion[] = [];
  const coded = eventsOf(events, 'Toxicity', window).filter((t) => t.toxicity === 'hlh-mas');
  if (coded.length > 0) met.push({ at: coded[0].at, text: 'coded', refs: coded.map((t) => t.source) });
  const ferritins = eventsOf(events, 'Ferritin', window);
  const veryHigh = ferritins.filter((f) => f.ngPerMl > config.hlhFerritinAlone);
  if (veryHigh.length > 0) {
    const peak = Math.max(...veryHigh.map((f) => f.ngPerMl));
    met.push({
      at: veryHigh[0].at,
      text: `ferritin ${num(peak)} ng/mL`,
      refs: veryHigh.map((f) => f.source),
    });
  }
  for (const f of ferritins.filter((x) => x.ngPerMl >= config.hlhFerritinWithCriteria)) {
    const criteria = combinedCriteria(f, events, config);
    if (criteria) {
      met.push(criteria);
      break;
    }
  }
  if (met.length === 0) return undefined;
  met.sort((a, b) => toMs(a.at) - toMs(b.at));
  return {
    code: 'hlh-mas',
    severity: 'high',
    identifiedAt: met[0].at,
    detail: `HLH/MAS on day ${dayOf(met[0].at) - dayOf(cycle.start) + 1} of cycle ${cycle.number}: ${met.map((c) => c.text).join('; ')}`,
    episodeKey: `cycle-${cycle.number}`,
    evidence: uniqueRefs(met.flatMap((c) => c.refs)),
  };
}

/** Ferritin ≥500 with neutrophil and platelet cytopenia and AST/ALT > ULN, then tocilizumab/dexamethasone. */
function combinedCriteria(
  f: Ferritin,
  events: readonly ClinicalEvent[],
  config: FlagConfig,
): Criterion | undefined {
  const d = dayOf(f.at);
  const near = { from: d - config.hlhLabWindowDays, to: d + config.hlhLabWindowDays };
  const counts = eventsOf(events, 'CountResult', near);
  const anc = counts.filter((c) => c.analyte === 'anc');
  const neutro =
    anc.length > 0
      ? anc.filter((c) => c.value10e9PerL < config.hlhAncBelow)
      : counts.filter((c) => c.analyte === 'wbc' && c.value10e9PerL < config.hlhWbcBelow);
  const platelets = counts.filter(
    (c) => c.analyte === 'platelets' && c.value10e9PerL < config.hlhPlateletsBelow,
  );
  const liver = eventsOf(events, 'LiverEnzyme', near).filter(
    (l) => (l.analyte === 'ast' || l.analyte === 'alt') && l.uln !== undefined && l.value > l.uln,
  );
  const after = { from: d, to: d + config.hlhTreatmentWindowDays };
  const treatment = [
    ...eventsOf(events, 'TocilizumabGiven', after),
    ...eventsOf(events, 'SteroidGiven', after).filter((s) => s.agent === 'dexamethasone'),
  ];
  if (neutro.length === 0 || platelets.length === 0 || liver.length === 0 || treatment.length === 0)
    return undefined;
  const drugs = [
    ...new Set(treatment.map((t) => (t.kind === 'TocilizumabGiven' ? 'tocilizumab' : 'dexamethasone'))),
  ].sort();
  return {
    at: f.at,
    text: `ferritin ≥${num(config.hlhFerritinWithCriteria)} with 2-lineage cytopenia and AST/ALT > ULN, then ${drugs.join(' and ')}`,
    refs: [f, ...neutro, ...platelets, ...liver, ...treatment].map((e) => e.source),
  };
}
