/**
 * The pure clinical core, loaded once at start-up and handed to the adapters:
 * validate (inputs), map (resource → events), derive (events → courses + flags), assertValid (outputs).
 * INTERIM: until the mapping, validation and course/flag modules land, this holds a minimal course
 * from blinatumomab MedicationAdministrations only.
 */
import type { MedicationAdministration, MedicationStatement, Resource } from '@medplum/fhirtypes';
import type { EntryValidator } from './ingest/accept';
import type { ResourceMapper } from './queue/processors/ingest';
import type { Derive } from './queue/processors/assemble';
import type { BlinatumomabInfusion } from './domain/events';
import { sha256 } from './ingest/canonical';

export interface Clinical {
  validate: EntryValidator;
  map: ResourceMapper;
  derive: Derive;
  assertValid: (r: Resource) => void;
}

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

export function loadClinical(): Clinical {
  const map: ResourceMapper = (resource) => {
    if (resource.resourceType !== 'MedicationAdministration') return { events: [], status: 'ignored', issues: [] };
    const ma = resource as MedicationAdministration;
    const blin = ma.medicationCodeableConcept?.coding?.some((c) => c.system === RXNORM && c.code === '1597258');
    const patient = /^Patient\/(.+)$/.exec(ma.subject?.reference ?? '')?.[1];
    const at = ma.effectiveDateTime ?? ma.effectivePeriod?.start;
    if (!blin || !patient || !at) return { events: [], status: 'ignored', issues: [] };
    const ev: BlinatumomabInfusion = {
      kind: 'BlinatumomabInfusion',
      eventId: `MedicationAdministration/${ma.id}#BlinatumomabInfusion`,
      patient,
      source: { resourceType: 'MedicationAdministration', id: ma.id as string, versionId: ma.meta?.versionId },
      at,
      status: 'completed',
    };
    return { events: [ev], status: 'mapped', issues: [] };
  };
  const derive: Derive = (patient, events) => {
    const inf = events.filter((e) => e.kind === 'BlinatumomabInfusion').sort((a, b) => a.at.localeCompare(b.at));
    if (!inf.length) return [];
    const ms: MedicationStatement = {
      resourceType: 'MedicationStatement',
      id: `c${sha256(`${patient}|1`).slice(0, 20)}`,
      status: 'active',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '1597258', display: 'blinatumomab' }] },
      subject: { reference: `Patient/${patient}` },
      effectivePeriod: { start: inf[0].at, end: inf[inf.length - 1].at },
      derivedFrom: inf.map((e) => ({ reference: `${e.source.resourceType}/${e.source.id}` })),
    };
    return [ms];
  };
  return { validate: () => [], map, derive, assertValid: () => undefined };
}
