/** What an Observation value handler sees: the unit to read, and the shared per-resource context. */
import type { CodeableConcept, Observation } from '@medplum/fhirtypes';
import type { MrdResult } from '../domain/events';
import type { ConceptMatch, MatchScope } from './concepts';
import type { EventCollector } from './result';
import type { ValueHolder } from './units';
import type { UnitRules } from './types';

/** One thing to read: the Observation itself or one of its components, with the concept it means. */
export interface ObservationUnit {
  match: ConceptMatch;
  holder: ValueHolder & { code?: CodeableConcept };
  /** FHIRPath of the holder: `Observation` or `Observation.component[2]`. */
  path: string;
}

export interface ObservationEnv {
  observation: Observation;
  scope: MatchScope;
  units: UnitRules;
  events: EventCollector;
  specimen: NonNullable<MrdResult['specimen']> | 'csf' | undefined;
}

export function hasValue(h: ValueHolder & Record<string, unknown>): boolean {
  return Object.keys(h).some((k) => k.startsWith('value') && h[k] !== undefined && h[k] !== null);
}
