/**
 * Response per cycle, from the assessments in the cycle's window (calendar days, `[start, end)`):
 * from the cycle's start to the next cycle's start, both shifted by `responseWindowOffsetDays` (1) so an
 * assessment on a cycle's first infusion day counts as the end-of-cycle assessment of the cycle before
 * (for cycle 1: the pre-treatment baseline, which is no response to anything). The last cycle of a course
 * gets `lastCycleResponseWindowDays` (42) from its start, never past the next course's start.
 *
 * Category, from the latest marrow blast count in the window and the platelet / ANC results nearest to it
 * (within ±`countToleranceDays`, 7; ties go to the later result):
 * - no marrow assessment → not-assessed (never no-response);
 * - extramedullary disease charted in the window → no-response (every remission category requires no
 *   evidence of disease);
 * - blasts < 5% and platelets > 100 and ANC > 1.0 → CR;
 * - blasts ≤ 5% and platelets > 50 and ANC > 0.5 → CRh;
 * - blasts < 5% → CRi (counts not recovered, or not charted near the marrow);
 * - otherwise (≥ 5%) → no-response.
 * DiseaseStatus "full remission" is not used here: it cannot tell CR from CRh / CRi without the marrow and
 * the counts. It counts as remission evidence for relapse detection (relapse.ts) instead.
 *
 * MRD response, from the latest MRD result in the window (mrdResponse below). A censored result keeps its
 * comparator and sensitivity: "<0.01%" is `mrdFraction` 1e-4 with `mrdComparator` "<" (below 10⁻⁴, at
 * that sensitivity), never a measured 10⁻⁴.
 */
import type { MrdResponse, ResponseAssessment, ResponseCategory } from '../course';
import type { ClinicalEvent, CountAnalyte, CountResult, MrdResult } from '../events';
import { uniqueRefs } from '../source-ref';
import { toMs } from '../time';
import type { AssemblyConfig } from './config';
import { calendarDay, effectivePercent, ofKind } from './patient-events';

export interface DayWindow {
  /** Inclusive first calendar day. */
  startDay: number;
  /** Exclusive last calendar day. */
  endDay: number;
}

export function inWindow(at: string, w: DayWindow): boolean {
  const d = calendarDay(at);
  return d >= w.startDay && d < w.endDay;
}

/**
 * - a value with comparator `<` and value ≤ 10⁻⁴, or `<=` and value < 10⁻⁴ → complete;
 * - `>` / `>=` with value ≥ 10⁻⁴ → positive;
 * - a plain value: < 10⁻⁴ complete, ≥ 10⁻⁴ positive;
 * - not detected without a value: complete when the assay sensitivity is ≤ 10⁻⁴ (or, only when configured,
 *   when no sensitivity is stated);
 * - detected without a value: positive when the assay sensitivity is ≥ 10⁻⁴ (the level is at least that);
 * - anything else (e.g. "<0.1%", insufficient sensitivity) cannot be placed against 10⁻⁴ → not-assessed.
 */
export function mrdResponse(m: MrdResult, config: AssemblyConfig): MrdResponse {
  const t = config.mrdCompleteBelow;
  if (m.fraction !== undefined) {
    const v = m.fraction;
    switch (m.comparator) {
      case '<':
        return v <= t ? 'complete' : 'not-assessed';
      case '<=':
        return v < t ? 'complete' : 'not-assessed';
      case '>':
      case '>=':
        return v >= t ? 'positive' : 'not-assessed';
      default:
        return v < t ? 'complete' : 'positive';
    }
  }
  if (!m.detected) {
    if (m.sensitivity !== undefined) return m.sensitivity <= t ? 'complete' : 'not-assessed';
    return config.mrdNotDetectedWithoutSensitivityIsComplete ? 'complete' : 'not-assessed';
  }
  return m.sensitivity !== undefined && m.sensitivity >= t ? 'positive' : 'not-assessed';
}

function nearestCount(
  counts: readonly CountResult[],
  analyte: CountAnalyte,
  at: string,
  config: AssemblyConfig,
): CountResult | undefined {
  const day = calendarDay(at);
  const ms = toMs(at);
  let best: CountResult | undefined;
  for (const c of counts) {
    if (c.analyte !== analyte || Math.abs(calendarDay(c.at) - day) > config.countToleranceDays) continue;
    // counts are in walk order, so on equal distance the later one replaces the earlier one
    if (!best || Math.abs(toMs(c.at) - ms) <= Math.abs(toMs(best.at) - ms)) best = c;
  }
  return best;
}

function category(
  blasts: number,
  platelets: number | undefined,
  anc: number | undefined,
  config: AssemblyConfig,
): ResponseCategory {
  const p = platelets ?? -Infinity;
  const a = anc ?? -Infinity;
  const limit = config.remissionBlastPercent;
  if (blasts < limit && p > config.crPlatelets10e9PerL && a > config.crAnc10e9PerL) return 'CR';
  if (blasts <= limit && p > config.crhPlatelets10e9PerL && a > config.crhAnc10e9PerL) return 'CRh';
  if (blasts < limit) return 'CRi';
  return 'no-response';
}

/** `events` must be deduplicated and sorted (patient-events.ts). */
export function assessResponse(
  events: readonly ClinicalEvent[],
  window: DayWindow,
  config: AssemblyConfig,
): ResponseAssessment {
  const marrow = ofKind(events, 'MarrowBlasts')
    .filter((e) => inWindow(e.at, window))
    .pop();
  const mrd = ofKind(events, 'MrdResult')
    .filter((e) => inWindow(e.at, window))
    .pop();
  const evidence = mrd ? [mrd.source] : [];
  let result: ResponseCategory = 'not-assessed';
  if (marrow) {
    evidence.push(marrow.source);
    const em = ofKind(events, 'ExtramedullaryDisease').filter((e) => inWindow(e.at, window));
    const counts = ofKind(events, 'CountResult');
    const platelets = nearestCount(counts, 'platelets', marrow.at, config);
    const anc = nearestCount(counts, 'anc', marrow.at, config);
    for (const e of [platelets, anc, ...em]) if (e) evidence.push(e.source);
    result =
      em.length > 0
        ? 'no-response'
        : category(
            effectivePercent(marrow) ?? marrow.percent,
            platelets?.value10e9PerL,
            anc?.value10e9PerL,
            config,
          );
  }
  const assessedAt = marrow?.at ?? mrd?.at;
  return {
    category: result,
    mrd: mrd ? mrdResponse(mrd, config) : 'not-assessed',
    ...(mrd?.fraction !== undefined ? { mrdFraction: mrd.fraction } : {}),
    ...(mrd?.fraction !== undefined && mrd.comparator !== undefined ? { mrdComparator: mrd.comparator } : {}),
    ...(mrd?.sensitivity !== undefined ? { mrdSensitivity: mrd.sensitivity } : {}),
    ...(assessedAt !== undefined ? { assessedAt } : {}),
    evidence: uniqueRefs(evidence),
  };
}
