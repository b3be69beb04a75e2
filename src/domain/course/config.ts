/**
 * Every threshold course assembly uses, with the defaults from clinical-rules.md §2 (the label).
 * Callers override any subset with `withDefaults(partial)`; nothing else in src/domain/course holds a number
 * that is a clinical decision.
 */

/** A dose rate in either unit; a rate matches when any unit it shares with the reference is equal. */
export interface DoseRate {
  mcgPerDay: number;
  mcgPerM2PerDay: number;
}

export interface AssemblyConfig {
  /** Infusion days in a full cycle. After this many, the next infusion opens a new cycle. */
  cycleInfusionDays: number;
  /** Treatment-free interval after a cycle (induction / consolidation). */
  freeIntervalDays: number;
  /** Treatment-free interval in continued therapy (4 weeks on, 8 weeks off). */
  continuedTherapyFreeIntervalDays: number;
  /** First cycle number of continued therapy (label: cycles 6–9 for relapsed/refractory disease). */
  continuedTherapyFromCycle: number;
  /**
   * Drug-free days beyond the free interval that still belong to the same course. A gap of more than
   * `freeInterval(cycle that ended) + courseGapMarginDays` drug-free days starts a new course.
   */
  courseGapMarginDays: number;
  /**
   * Re-treatment after relapse is a new course: a drug-free gap longer than the free interval that contains
   * relapse evidence, an HSCT or a CD19-directed cell therapy also starts a new course.
   */
  interveningTherapyOrRelapseStartsNewCourse: boolean;
  /** A gap of at most this many missing infusion days continues the cycle; more opens a new cycle. */
  maxInterruptionDaysInCycle: number;
  /** Minimum gap, in hours, that counts as an interruption when both sides are charted with a time. */
  interruptionMinHours: number;
  /** A bag's span is rounded up to whole days after subtracting this slack (charting jitter). */
  bagEndSlackHours: number;
  /**
   * A bag charted within this many hours of a whole number of days is credited that many days (DST days
   * of 23/25 h, bag changes drifting by minutes): see infusion-days.ts.
   */
  bagPeriodToleranceHours: number;
  /** An in-progress bag without an end runs to the latest event in the data, capped at this many days. */
  inProgressMaxDays: number;
  /** Step dose of cycle 1 for relapsed/refractory disease. */
  stepDose: DoseRate;
  /** Target dose. */
  targetDose: DoseRate;
  /**
   * Body surface area is taken from measurements charted up to this many days before course day 1 (and on
   * day 1): a BSA Observation, else Mosteller from height and weight.
   */
  bsaLookbackDays: number;
  /**
   * Relative tolerance when a per-m² rate is compared with the step or target dose: absolute amounts are
   * rounded by pharmacies (0.83 m² × 5 = 4.15, charted 4.2 mcg/day = 5.06 mcg/m²/day).
   */
  perM2DoseTolerance: number;
  /** Assessments on a cycle's first `responseWindowOffsetDays` days are attributed to the cycle before. */
  responseWindowOffsetDays: number;
  /** Response window of the last cycle of a course, from its start. */
  lastCycleResponseWindowDays: number;
  /** Counts are taken from at most this many days either side of the marrow assessment. */
  countToleranceDays: number;
  /** Marrow blasts (%) below which the marrow is in remission (CR/CRi); ≤ this allows CRh. */
  remissionBlastPercent: number;
  crPlatelets10e9PerL: number;
  crAnc10e9PerL: number;
  crhPlatelets10e9PerL: number;
  crhAnc10e9PerL: number;
  /** MRD below this fraction is a complete MRD response; at or above it is MRD positive. */
  mrdCompleteBelow: number;
  /** Read a "not detected" MRD with no stated sensitivity as a complete MRD response. */
  mrdNotDetectedWithoutSensitivityIsComplete: boolean;
  /** Peripheral blasts (%) near the stop that count as progression when a course stops early. */
  peripheralBlastProgressionPercent: number;
  /** Days either side of the last infusion in which a stop reason (toxicity, disease) is looked for. */
  stopWindowDays: number;
}

export const DEFAULT_ASSEMBLY_CONFIG: Readonly<AssemblyConfig> = Object.freeze({
  cycleInfusionDays: 28,
  freeIntervalDays: 14,
  continuedTherapyFreeIntervalDays: 56,
  continuedTherapyFromCycle: 6,
  courseGapMarginDays: 120,
  interveningTherapyOrRelapseStartsNewCourse: true,
  maxInterruptionDaysInCycle: 7,
  interruptionMinHours: 4,
  bagEndSlackHours: 1,
  bagPeriodToleranceHours: 2,
  inProgressMaxDays: 7,
  stepDose: Object.freeze({ mcgPerDay: 9, mcgPerM2PerDay: 5 }),
  targetDose: Object.freeze({ mcgPerDay: 28, mcgPerM2PerDay: 15 }),
  bsaLookbackDays: 30,
  perM2DoseTolerance: 0.05,
  responseWindowOffsetDays: 1,
  lastCycleResponseWindowDays: 42,
  countToleranceDays: 7,
  remissionBlastPercent: 5,
  crPlatelets10e9PerL: 100,
  crAnc10e9PerL: 1.0,
  crhPlatelets10e9PerL: 50,
  crhAnc10e9PerL: 0.5,
  mrdCompleteBelow: 1e-4,
  mrdNotDetectedWithoutSensitivityIsComplete: false,
  peripheralBlastProgressionPercent: 5,
  stopWindowDays: 7,
});

export type AssemblyConfigOverrides = Partial<Omit<AssemblyConfig, 'stepDose' | 'targetDose'>> & {
  stepDose?: Partial<DoseRate>;
  targetDose?: Partial<DoseRate>;
};

/** The defaults with `overrides` applied; fails loudly on a value that cannot be a threshold. */
export function withDefaults(overrides: AssemblyConfigOverrides = {}): AssemblyConfig {
  const d = DEFAULT_ASSEMBLY_CONFIG;
  const merged: AssemblyConfig = {
    ...d,
    ...stripUndefined(overrides),
    stepDose: { ...d.stepDose, ...stripUndefined(overrides.stepDose ?? {}) },
    targetDose: { ...d.targetDose, ...stripUndefined(overrides.targetDose ?? {}) },
  };
  for (const [key, value] of Object.entries(merged)) {
    if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`assembly config ${key} must be a non-negative number`);
    }
  }
  for (const rate of [merged.stepDose, merged.targetDose]) {
    if (!(rate.mcgPerDay > 0 && rate.mcgPerM2PerDay > 0)) throw new RangeError('dose rates must be positive');
  }
  if (merged.cycleInfusionDays < 1) throw new RangeError('cycleInfusionDays must be at least 1');
  return merged;
}

/** The free interval that follows cycle `cycleNumber`. */
export function freeIntervalAfter(cycleNumber: number, config: AssemblyConfig): number {
  return cycleNumber >= config.continuedTherapyFromCycle
    ? config.continuedTherapyFreeIntervalDays
    : config.freeIntervalDays;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
