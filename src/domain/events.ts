/**
 * Normalised clinical events: the only thing the course assembler and the flag rules see.
 *
 * `map(resource) → ClinicalEvent[]` (src/mapping) produces them; `assemble(events) → Course[]`
 * (src/domain/course) and `flag(course) → CourseFlag[]` (src/domain/flags) consume them.
 * Values are already normalised (units converted, codes resolved to concepts), so downstream code
 * never looks at a FHIR coding or a UCUM unit again.
 *
 * Times are ISO 8601 strings as charted (date or dateTime). Compare them with src/domain/time.ts,
 * never with string comparison across mixed precision.
 */
import type { SourceRef } from './source-ref';

interface EventBase {
  /** Deterministic id: `<ResourceType>/<id>#<kind>[#n]`; identical input gives identical ids. */
  eventId: string;
  /** Namespaced patient id (`<source>.<local id>`). */
  patient: string;
  /** The source resource this event was read from. */
  source: SourceRef;
  /** When the fact applies: effective/onset/performed/administration start. */
  at: string;
  /** End of the fact when it spans time (infusion bag end, procedure end). */
  end?: string;
}

export type InfusionStatus = 'completed' | 'in-progress' | 'stopped' | 'on-hold' | 'not-done';

/** One charted blinatumomab administration (a bag, a day, or a rate change). */
export interface BlinatumomabInfusion extends EventBase {
  kind: 'BlinatumomabInfusion';
  status: InfusionStatus;
  /** Normalised dose rate; absent when the chart gives no dose. */
  mcgPerDay?: number;
  /** Kept when charted per body surface area (paediatric / <45 kg dosing). */
  mcgPerM2PerDay?: number;
}

export type Comparator = '<' | '<=' | '>=' | '>';

/** Measurable residual disease, as a fraction of cells (0.001 = 0.1% = 10⁻³). */
export interface MrdResult extends EventBase {
  kind: 'MrdResult';
  /** Normalised fraction; absent for a purely textual "not detected". */
  fraction?: number;
  comparator?: Comparator;
  /** false for "not detected"/"negative"; true when detected/positive. */
  detected: boolean;
  /** Assay sensitivity as a fraction (e.g. 1e-4), when stated. */
  sensitivity?: number;
  specimen?: 'bone-marrow' | 'peripheral-blood' | 'unknown';
}

export type BodyMeasure = 'bsa' | 'height' | 'weight';

/**
 * Body surface area (m²), height (cm) or weight (kg): BSA-aware dosing judges doses per m² (clinical-rules
 * §1, BSA from the Observation, else Mosteller from height and weight near course day 1).
 */
export interface BodyMeasurement extends EventBase {
  kind: 'BodyMeasurement';
  measure: BodyMeasure;
  /** m² for bsa, cm for height, kg for weight. */
  value: number;
}

export type Cd19Level = 'positive' | 'negative' | 'dim';

/** CD19 expression on leukaemic blasts (not B-cell counts in blood). */
export interface Cd19Expression extends EventBase {
  kind: 'Cd19Expression';
  level: Cd19Level;
  /** % of blasts positive when charted as a percentage. */
  percentPositive?: number;
}

export interface MarrowBlasts extends EventBase {
  kind: 'MarrowBlasts';
  percent: number;
  /** Kept when charted ("<5%" is below the CR threshold, "5%" is not). Absent = exact value. */
  comparator?: Comparator;
}

export interface PeripheralBlasts extends EventBase {
  kind: 'PeripheralBlasts';
  /** % of leucocytes, when charted as a percentage. */
  percent?: number;
  /** Absolute count ×10⁹/L, when charted as a count. */
  count10e9PerL?: number;
  /** Kept when charted ("<1%"). Absent = exact value. */
  comparator?: Comparator;
}

export interface Ferritin extends EventBase {
  kind: 'Ferritin';
  /** ng/mL (= µg/L). */
  ngPerMl: number;
}

export type CountAnalyte = 'wbc' | 'platelets' | 'anc';

export interface CountResult extends EventBase {
  kind: 'CountResult';
  analyte: CountAnalyte;
  /** ×10⁹/L (numerically equal to ×10³/µL). */
  value10e9PerL: number;
}

export type LiverAnalyte = 'ast' | 'alt' | 'ldh' | 'bilirubin';

export interface LiverEnzyme extends EventBase {
  kind: 'LiverEnzyme';
  analyte: LiverAnalyte;
  value: number;
  unit: string;
  /** Upper limit of normal from referenceRange.high, in the same unit, when charted. */
  uln?: number;
}

export type ChemistryAnalyte = 'fibrinogen' | 'triglycerides';

export interface ChemistryResult extends EventBase {
  kind: 'ChemistryResult';
  analyte: ChemistryAnalyte;
  value: number;
  unit: string;
}

export interface Temperature extends EventBase {
  kind: 'Temperature';
  celsius: number;
}

export type Vasopressor = 'norepinephrine' | 'vasopressin' | 'epinephrine' | 'phenylephrine' | 'dopamine';

export interface VasopressorGiven extends EventBase {
  kind: 'VasopressorGiven';
  agent: Vasopressor;
}

export interface TocilizumabGiven extends EventBase {
  kind: 'TocilizumabGiven';
}

export interface SteroidGiven extends EventBase {
  kind: 'SteroidGiven';
  agent: 'dexamethasone';
}

export type OxygenSupportLevel = 'low-flow' | 'high-flow' | 'positive-pressure';

export interface OxygenSupport extends EventBase {
  kind: 'OxygenSupport';
  level: OxygenSupportLevel;
  flowLPerMin?: number;
  fio2?: number;
}

export interface Hsct extends EventBase {
  kind: 'Hsct';
  transplantType: 'allogeneic' | 'autologous' | 'unknown';
}

/** CD19-directed cellular therapy (e.g. tisagenlecleucel). */
export interface CarT extends EventBase {
  kind: 'CarT';
}

export interface Diagnosis extends EventBase {
  kind: 'Diagnosis';
  /** B-ALL family diagnosis; `relapse` true for codes that themselves state relapse (C91.02). */
  relapse: boolean;
  remission: boolean;
}

/** Leukaemia outside the marrow: a Condition with a non-marrow bodySite, or CNS2/CNS3 from CSF. */
export interface ExtramedullaryDisease extends EventBase {
  kind: 'ExtramedullaryDisease';
  site?: string;
  cnsStatus?: 'CNS2' | 'CNS3';
  /** true when the Condition is a myeloid sarcoma (also emitted as MyeloidDisease). */
  myeloidSarcoma: boolean;
}

/** AML or myeloid sarcoma: evidence of lineage switch after CD19-directed therapy. */
export interface MyeloidDisease extends EventBase {
  kind: 'MyeloidDisease';
  form: 'aml' | 'myeloid-sarcoma';
}

export type ToxicityKind = 'crs' | 'icans' | 'hlh-mas';

export interface Toxicity extends EventBase {
  kind: 'Toxicity';
  toxicity: ToxicityKind;
  /** 1–5 when coded (D89.831–835, G92.01–05); absent when ungraded. */
  grade?: number;
}

export interface Kmt2aRearrangement extends EventBase {
  kind: 'Kmt2aRearrangement';
  present: boolean;
}

export type DiseaseStatusValue = 'improved' | 'stable' | 'worsened' | 'full-remission';

export interface DiseaseStatus extends EventBase {
  kind: 'DiseaseStatus';
  status: DiseaseStatusValue;
}

export type ClinicalEvent =
  | BlinatumomabInfusion
  | MrdResult
  | Cd19Expression
  | MarrowBlasts
  | PeripheralBlasts
  | Ferritin
  | CountResult
  | LiverEnzyme
  | ChemistryResult
  | Temperature
  | VasopressorGiven
  | TocilizumabGiven
  | SteroidGiven
  | OxygenSupport
  | Hsct
  | CarT
  | Diagnosis
  | ExtramedullaryDisease
  | MyeloidDisease
  | Toxicity
  | Kmt2aRearrangement
  | DiseaseStatus
  | BodyMeasurement;

export type EventKind = ClinicalEvent['kind'];
export type EventOf<K extends EventKind> = Extract<ClinicalEvent, { kind: K }>;
