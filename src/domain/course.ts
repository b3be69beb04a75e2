/**
 * The blinatumomab course model (clinical-rules.md §2). Pure data: produced by `assemble(events)`
 * in src/domain/course/, rendered to FHIR (MedicationStatement, profile blinatumomab-course) by
 * src/domain/course/render.ts, read by the flag rules.
 *
 * Every derived fact keeps `evidence`: the source resources that support it.
 */
import type { Comparator } from './events';
import type { SourceRef } from './source-ref';

export type CourseIndication = 'relapsed-refractory' | 'mrd-positive' | 'unknown';
export type CourseEndReason = 'completed' | 'toxicity' | 'progression' | 'hsct' | 'unknown';
export type CourseStatus = 'active' | 'completed' | 'stopped';

/**
 * How steps, indication and restarts were judged (clinical-rules §1, Dose): `per-m2-bsa` when the course
 * has a body surface area (absolute doses are then also expressed per m²), `as-charted` when it has none.
 */
export type DoseBasis = 'per-m2-bsa' | 'as-charted';

/** The BSA a course's doses are judged with. */
export interface CourseBsa {
  /** m², to 2 decimals as pharmacies calculate it. */
  m2: number;
  /** `measured`: a charted BSA Observation; `mosteller`: √(height cm × weight kg / 3600). */
  method: 'measured' | 'mosteller';
  /** When it was charted (the later of height and weight for Mosteller). */
  at: string;
  evidence: SourceRef[];
}

/** A period at one dose rate. */
export interface DoseStep {
  start: string;
  end?: string;
  mcgPerDay?: number;
  mcgPerM2PerDay?: number;
  /** True when `mcgPerM2PerDay` was calculated from an absolute dose and the course BSA (not charted). */
  perM2FromBsa?: boolean;
  evidence: SourceRef[];
}

/** A gap in infusion. ≤7 days continues the cycle; >7 days opens a new one. */
export interface Interruption {
  start: string;
  end: string;
  /** Length in hours where times allow, else whole days × 24. */
  hours: number;
  days: number;
  opensNewCycle: boolean;
  /** Infusions either side of the gap (and any hold record). */
  evidence: SourceRef[];
}

/** A drop back to the step dose after the target dose had been reached. */
export interface ToxicityRestart {
  at: string;
  fromMcgPerDay?: number;
  toMcgPerDay?: number;
  fromMcgPerM2PerDay?: number;
  toMcgPerM2PerDay?: number;
  evidence: SourceRef[];
}

export type ResponseCategory = 'CR' | 'CRh' | 'CRi' | 'no-response' | 'not-assessed';
/** complete: MRD <10⁻⁴; positive: ≥10⁻⁴. */
export type MrdResponse = 'complete' | 'positive' | 'not-assessed';

export interface ResponseAssessment {
  category: ResponseCategory;
  mrd: MrdResponse;
  /** The MRD fraction the MRD response was read from (the last in the window). */
  mrdFraction?: number;
  /** Kept from the result: "<0.01%" is below 10⁻⁴, not exactly 10⁻⁴. */
  mrdComparator?: Comparator;
  /** Assay sensitivity (fraction) of that result, when stated or implied by a censored value. */
  mrdSensitivity?: number;
  assessedAt?: string;
  evidence: SourceRef[];
}

export interface Cycle {
  number: number;
  start: string;
  /** Last infusion day of the cycle (exclusive end of infusion), when known. */
  end?: string;
  infusionDays: number;
  interruptions: Interruption[];
  doseSteps: DoseStep[];
  response: ResponseAssessment;
  /** The infusions of the cycle. */
  evidence: SourceRef[];
}

export type LinkedEventKind = 'hsct' | 'cd19-therapy' | 'relapse' | 'toxicity';
export type Timing = 'before' | 'during' | 'after';

/** An event linked to the course (HSCT, CAR-T, relapse, toxicity) and when it happened relative to it. */
export interface CourseLink {
  kind: LinkedEventKind;
  timing: Timing;
  at: string;
  detail?: string;
  evidence: SourceRef[];
}

export interface Course {
  /** Stable across re-assembly: derived from (patient, course number), see course/identity.ts. */
  id: string;
  patient: string;
  /** 1-based, in time order, per patient. */
  number: number;
  start: string;
  end?: string;
  status: CourseStatus;
  endReason?: CourseEndReason;
  indication: CourseIndication;
  doseBasis: DoseBasis;
  /** Present when `doseBasis` is `per-m2-bsa`. */
  bsa?: CourseBsa;
  cycles: Cycle[];
  toxicityRestarts: ToxicityRestart[];
  links: CourseLink[];
  /** Every blinatumomab administration of the course. */
  infusions: SourceRef[];
  /** The B-ALL diagnosis Condition(s) (reasonReference). */
  diagnoses: SourceRef[];
}

export type FlagCode =
  | 'mrd-persistent'
  | 'molecular-relapse'
  | 'hematologic-relapse'
  | 'refractory'
  | 'extramedullary-relapse'
  | 'cd19-negative-relapse'
  | 'cd19-dim-relapse'
  | 'lineage-switch'
  | 'post-hsct-relapse'
  | 'crs'
  | 'icans'
  | 'hlh-mas'
  | 'treatment-interruption'
  | 'toxicity-restart'
  | 'hepatotoxicity'
  | 'high-disease-burden'
  | 'prior-extramedullary-disease';

/** DetectedIssue.severity */
export type FlagSeverity = 'high' | 'moderate' | 'low';

/** One raised pattern: once per course and pattern episode (clinical-rules.md §3). */
export interface CourseFlag {
  /** Stable across re-assembly: derived from (course id, code, episode key). */
  id: string;
  code: FlagCode;
  severity: FlagSeverity;
  patient: string;
  courseId: string;
  /** The time the flag applies from. */
  identifiedAt: string;
  /** One human-readable line, e.g. "MRD 0.15% after cycle 3 (≥10⁻⁴)". No names, no free text from resources. */
  detail: string;
  /** CRS / ICANS grade. */
  grade?: number;
  /** Identifies the episode within the course (e.g. the cycle number or the relapse date). */
  episodeKey: string;
  /** Never empty: no flag without evidence. */
  evidence: SourceRef[];
}
