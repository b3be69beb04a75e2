/**
 * The pure clinical core, loaded and checked once at start-up and handed to the adapters:
 * validate (inputs), map (resource → events), derive (events → courses + flags), assertValid (outputs).
 * Mapping data (mappings/) and profiles (profiles/) are read here; malformed data stops start-up.
 */
import { join } from 'node:path';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { assemble, renderCourse } from './domain/course/index';
import { flagPatient } from './domain/flags/index';
import { renderFlag } from './domain/flags/render';
import type { EntryValidator } from './ingest/accept';
import { loadMappings, mapResource } from './mapping/index';
import type { Derive } from './queue/processors/assemble';
import type { ResourceMapper } from './queue/processors/ingest';
import { REPO_ROOT } from './repo-root';
import { assertValidOutput, validateResource, warmUpValidation } from './validation/index';

export interface Clinical {
  validate: EntryValidator;
  map: ResourceMapper;
  derive: Derive;
  assertValid: (r: Resource) => void;
}

export { REPO_ROOT };

/**
 * Issues of a resource validated on its own name it (`Observation.status`); inside a Bundle the sender
 * needs the entry (`Bundle.entry[3].resource.status`).
 */
export function underEntry(
  issues: OperationOutcomeIssue[],
  resourceType: string,
  at: string,
): OperationOutcomeIssue[] {
  if (!at) return issues;
  return issues.map((i) => ({
    ...i,
    expression: i.expression?.map((e) =>
      e === resourceType || e.startsWith(`${resourceType}.`)
        ? at + e.slice(resourceType.length)
        : `${at}.${e}`,
    ),
  }));
}

export function loadClinical(dirs: { mappings?: string; profiles?: string } = {}): Clinical {
  const mappings = loadMappings(dirs.mappings ?? join(REPO_ROOT, 'mappings'));
  warmUpValidation(dirs.profiles ?? join(REPO_ROOT, 'profiles'));
  const validate: EntryValidator = (resource, at) =>
    underEntry(validateResource(resource), resource.resourceType, at);
  const map: ResourceMapper = (resource, source, resolve) =>
    mapResource(resource, { source, mappings, resolve });
  const derive: Derive = (_patient, events) => {
    const courses = assemble(events);
    return [...courses.map(renderCourse), ...flagPatient(courses, events).map(renderFlag)];
  };
  return { validate, map, derive, assertValid: assertValidOutput };
}
