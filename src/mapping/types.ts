/**
 * Public types of the mapping engine: the loaded mapping data (`MappingSet`), the per-call context
 * and the per-resource result. The concept ids are a closed set because the engine holds the logic
 * of each concept; the codes, text patterns and units that recognise them are data (mappings/).
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { ClinicalEvent, OxygenSupportLevel } from '../domain/events';
import type { TextPattern } from './text-pattern';

export const CONCEPT_IDS = [
  'b-all',
  'aml',
  'myeloid-sarcoma',
  'crs',
  'icans',
  'hlh-mas',
  'hsct-status',
  'hsct',
  'transplant-allogeneic',
  'transplant-autologous',
  'blinatumomab',
  'tocilizumab',
  'dexamethasone',
  'norepinephrine',
  'vasopressin',
  'epinephrine',
  'phenylephrine',
  'dopamine',
  'car-t',
  'mrd',
  'cd19-on-blasts',
  'b-cell-count',
  'immunophenotype-panel',
  'cd19-panel-component',
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
  'gene-studied',
  'gene-kmt2a',
  'disease-status',
  'oxygen-fio2',
  'oxygen-flow',
  'cns-status',
  'oxygen-support',
  'value-positive',
  'value-negative',
  'value-dim',
  'value-present',
  'value-absent',
  'value-detected',
  'value-not-detected',
  'status-improved',
  'status-stable',
  'status-worsened',
  'status-full-remission',
  'site-bone-marrow',
  'specimen-bone-marrow',
  'specimen-peripheral-blood',
  'specimen-csf',
] as const;

export type ConceptId = (typeof CONCEPT_IDS)[number];

export type ConceptRole =
  | 'condition'
  | 'toxicity'
  | 'procedure'
  | 'medication'
  | 'observation'
  | 'component'
  | 'value'
  | 'site'
  | 'qualifier'
  | 'excluded';

/** Concept-specific facts carried by a coding (C91.02 → relapse, D89.832 → grade 2…). */
export interface ConceptAttributes {
  relapse?: boolean;
  remission?: boolean;
  grade?: number;
  transplantType?: 'allogeneic' | 'autologous';
  level?: OxygenSupportLevel;
}

export interface ConceptDefinition {
  id: ConceptId;
  label: string;
  role: ConceptRole;
  verified: boolean;
}

/** What one (system, code) or one text pattern means. */
export interface ConceptRule {
  concept: ConceptId;
  attributes: ConceptAttributes;
  verified: boolean;
}

export interface TextRule extends ConceptRule {
  /** Precompiled, case-insensitive, linear-time. */
  regex: TextPattern;
}

export interface FactorTable {
  /** Normalised unit (see normUnit) → factor into the target unit. */
  factors: ReadonlyMap<string, number>;
}

export interface UnitRules {
  mrdFraction: FactorTable & { powerOfTenUnit: TextPattern };
  percent: FactorTable;
  count10e9PerL: FactorTable;
  ferritinNgPerMl: FactorTable;
  oxygenFlowLPerMin: FactorTable;
  fio2Fraction: FactorTable;
  doseMassUg: FactorTable;
  dosePeriodDays: FactorTable;
  celsius: ReadonlySet<string>;
  fahrenheit: ReadonlySet<string>;
  bodySurfaceArea: ReadonlySet<string>;
  heightCm: FactorTable;
  weightKg: FactorTable;
  oxygen: { lowFlowMaxLPerMin: number; roomAirFio2: number };
  bagPeriods: { hours: readonly number[]; toleranceHours: number };
  cd19: { positiveMinPercent: number };
}

/** The loaded, checked and indexed mapping data. Build once at start-up; share freely (immutable). */
export interface MappingSet {
  concepts: ReadonlyMap<ConceptId, ConceptDefinition>;
  /** `codingKey(system, code)` → rule, for the shipped code lists. */
  codings: ReadonlyMap<string, ConceptRule>;
  /** All text rules in file order (the order is the priority). */
  textRules: readonly TextRule[];
  /** Per source id: `codingKey` → rule from mappings/sources/<sourceId>.json. Wins over `codings`. */
  sources: ReadonlyMap<string, ReadonlyMap<string, ConceptRule>>;
  systemAliases: ReadonlyMap<string, string>;
  dotlessSystems: ReadonlySet<string>;
  levelQualifiers: readonly { regex: TextPattern; level: OxygenSupportLevel }[];
  gradeExtensionUrl: TextPattern;
  units: UnitRules;
}

export interface MappingContext {
  /** Source (hospital) id: selects the per-source ConceptMap. */
  source: string;
  mappings: MappingSet;
  /** Finds bundled or stored resources (e.g. `Medication/123`); contained `#id` is resolved by the engine. */
  resolve?: (reference: string) => Resource | undefined;
}

/**
 * mapped: recognised and normalised (events may be empty when the resource states an absence that has
 * no event form: a not-done drug, CNS1, room-air FiO2, a refuted Condition, a cancelled Observation).
 * ignored: matched no concept. retracted: entered-in-error; drop earlier events of this resource.
 * error: recognised but not normalisable; `events` is empty and an error issue names the element.
 */
export type MappingStatus = 'mapped' | 'ignored' | 'retracted' | 'error';

export interface MappingResult {
  events: ClinicalEvent[];
  status: MappingStatus;
  issues: OperationOutcomeIssue[];
}
