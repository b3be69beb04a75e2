/**
 * Flag thresholds (clinical-rules.md §3 defaults). Thresholds are configuration: a registry that
 * wants, say, a 10⁻³ MRD cut-off passes `withDefaults({ mrdPositiveFraction: 1e-3 })`.
 */
export interface FlagConfig {
  /** MRD at or above this fraction is positive (10⁻⁴). */
  mrdPositiveFraction: number;
  /** MRD at or above this fraction is high-level (the label's MRD-positive threshold, 10⁻³). */
  mrdHighFraction: number;
  /** An MRD counts as "end of cycle" from this many days after the cycle start. */
  endOfCycleMinDays: number;
  /** Response window of a last cycle (no next cycle): cycle start + this many days. */
  responseWindowDays: number;
  /** Marrow blasts at or above this % after a remission are a hematologic relapse. */
  relapseMarrowBlastsPercent: number;
  /** Marrow blasts below this % count as remission evidence (morphologic CR/CRh/CRi). */
  remissionMarrowBlastsPercent: number;
  /** Findings of one pattern within this many days form one episode. */
  episodeMergeDays: number;
  /** Toxicities up to this many days after a cycle's last infusion still count as "during" it. */
  duringCycleGraceDays: number;
  /** Fever threshold for CRS / HLH. */
  feverCelsius: number;
  /** Tocilizumab counts as a CRS surrogate when a fever was charted up to this many days before it. */
  crsFeverLookbackDays: number;
  /** Vasopressors / oxygen support within this many days after CRS onset set the ASTCT grade. */
  crsGradeWindowDays: number;
  /** HLH/MAS: ferritin above this during a course is enough on its own (ng/mL). */
  hlhFerritinAlone: number;
  /** HLH/MAS: ferritin at or above this together with cytopenias and liver injury (ng/mL). */
  hlhFerritinWithCriteria: number;
  /** HLH/MAS cytopenia thresholds (×10⁹/L). */
  hlhAncBelow: number;
  hlhWbcBelow: number;
  hlhPlateletsBelow: number;
  /** Cytopenias and liver values within this many days of the ferritin belong to it. */
  hlhLabWindowDays: number;
  /** Tocilizumab / dexamethasone within this many days after the ferritin ("followed by"). */
  hlhTreatmentWindowDays: number;
  /** Hepatotoxicity: AST/ALT above this multiple of ULN; bilirubin above its own multiple. */
  hepatotoxicityTransaminaseUln: number;
  hepatotoxicityBilirubinUln: number;
  /** Severe hepatotoxicity (CTCAE grade 4): AST/ALT above 20× ULN, bilirubin above 10× ULN. */
  hepatotoxicitySevereTransaminaseUln: number;
  hepatotoxicitySevereBilirubinUln: number;
  /** Interruption flagged from this many hours (times charted) or days (dates only). */
  interruptionMinHours: number;
  interruptionMinDays: number;
  /** High disease burden: marrow blasts above this % within the lookback before day 1. */
  highBurdenMarrowBlastsPercent: number;
  highBurdenLookbackDays: number;
  /** Lineage switch within this many days of CD19-directed therapy is early (higher severity). */
  lineageSwitchEarlyDays: number;
  /** CD19 on blasts within this many days of a relapse / refractory finding belongs to it. */
  cd19RelapseWindowDays: number;
  /** Baseline blasts for "rising during the first cycle of a re-treatment" up to this many days before day 1. */
  refractoryBaselineDays: number;
}

export const DEFAULT_FLAG_CONFIG: Readonly<FlagConfig> = Object.freeze({
  mrdPositiveFraction: 1e-4,
  mrdHighFraction: 1e-3,
  endOfCycleMinDays: 14,
  responseWindowDays: 42,
  relapseMarrowBlastsPercent: 5,
  remissionMarrowBlastsPercent: 5,
  episodeMergeDays: 30,
  duringCycleGraceDays: 7,
  feverCelsius: 38,
  crsFeverLookbackDays: 1,
  crsGradeWindowDays: 3,
  hlhFerritinAlone: 10_000,
  hlhFerritinWithCriteria: 500,
  hlhAncBelow: 1.0,
  hlhWbcBelow: 2.0,
  hlhPlateletsBelow: 100,
  hlhLabWindowDays: 3,
  hlhTreatmentWindowDays: 3,
  hepatotoxicityTransaminaseUln: 5,
  hepatotoxicityBilirubinUln: 3,
  hepatotoxicitySevereTransaminaseUln: 20,
  hepatotoxicitySevereBilirubinUln: 10,
  interruptionMinHours: 4,
  interruptionMinDays: 1,
  highBurdenMarrowBlastsPercent: 50,
  highBurdenLookbackDays: 30,
  lineageSwitchEarlyDays: 183,
  cd19RelapseWindowDays: 14,
  refractoryBaselineDays: 30,
});

/** The defaults overlaid with `partial`; rejects non-finite or negative values loudly. */
export function withDefaults(partial: Partial<FlagConfig> = {}): FlagConfig {
  const config: FlagConfig = { ...DEFAULT_FLAG_CONFIG };
  for (const [key, value] of Object.entries(partial) as [keyof FlagConfig, unknown][]) {
    if (!(key in DEFAULT_FLAG_CONFIG)) throw new RangeError(`unknown flag config key: ${key}`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`flag config ${key} must be a finite number ≥ 0`);
    }
    config[key] = value;
  }
  return config;
}
