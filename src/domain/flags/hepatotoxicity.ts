import type { LiverEnzyme } from '../events';
import { uniqueRefs } from '../source-ref';
import { toMs } from '../time';
import { num } from './format';
import type { FlagFinding, FlagRule } from './types';
import { cycleToxicityWindow, cyclesOf, eventsOf } from './windows';

const LABEL: Record<LiverEnzyme['analyte'], string> = {
  ast: 'AST',
  alt: 'ALT',
  ldh: 'LDH',
  bilirubin: 'Bilirubin',
};

/**
 * `hepatotoxicity` — liver.
 *
 * clinical-rules.md §3: "AST or ALT >5× ULN, or bilirubin >3× ULN, during a cycle." (Seed 004's MAS
 * came with raised AST/ALT.)
 *
 * ULN is the charted `referenceRange.high`; a value without one is not read (no guessed ULN). One
 * episode per cycle (key `cycle-<n>`); the detail names the worst value relative to its threshold.
 * Severity: high at CTCAE grade 4 (AST/ALT >20× ULN, bilirubin >10× ULN); moderate otherwise.
 */
export const hepatotoxicity: FlagRule = (course, { events, config }) =>
  cyclesOf(course).flatMap((cycle): FlagFinding[] => {
    const limit = (l: LiverEnzyme) =>
      l.analyte === 'bilirubin' ? config.hepatotoxicityBilirubinUln : config.hepatotoxicityTransaminaseUln;
    const severeLimit = (l: LiverEnzyme) =>
      l.analyte === 'bilirubin'
        ? config.hepatotoxicitySevereBilirubinUln
        : config.hepatotoxicitySevereTransaminaseUln;
    const over = eventsOf(events, 'LiverEnzyme', cycleToxicityWindow(course, cycle, config)).filter(
      (l) => l.analyte !== 'ldh' && l.uln !== undefined && l.uln > 0 && l.value > limit(l) * l.uln,
    );
    if (over.length === 0) return [];
    const ratio = (l: LiverEnzyme) => l.value / (l.uln as number);
    const worst = [...over].sort(
      (a, b) => ratio(b) / limit(b) - ratio(a) / limit(a) || toMs(a.at) - toMs(b.at),
    )[0];
    return [
      {
        code: 'hepatotoxicity',
        severity: over.some((l) => ratio(l) > severeLimit(l)) ? 'high' : 'moderate',
        identifiedAt: over[0].at,
        detail: `${LABEL[worst.analyte]} ${num(ratio(worst))}× ULN in cycle ${cycle.number} (>${num(limit(worst))}× ULN)`,
        episodeKey: `cycle-${cycle.number}`,
        evidence: uniqueRefs(over.map((l) => l.source)),
      },
    ];
  });
