/**
 * A seed fixture through the pure pipeline (namespace → map → assemble → flag → render), giving the
 * course and flag resources the store would hold, for layout tests without Redis.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, DetectedIssue, MedicationStatement, Resource } from '@medplum/fhirtypes';
import type { Course, CourseFlag } from '../../src/domain/course';
import { assemble } from '../../src/domain/course/index';
import { renderCourse } from '../../src/domain/course/render';
import { flagPatient } from '../../src/domain/flags';
import { renderFlag } from '../../src/domain/flags/render';
import type { ClinicalEvent } from '../../src/domain/events';
import { parsePayload } from '../../src/ingest/entries';
import { namespaceEntries } from '../../src/ingest/namespace';
import { loadMappings, mapResource } from '../../src/mapping/index';

const mappings = loadMappings(path.resolve(__dirname, '..', '..', 'mappings'));

export interface SeedOutputs {
  patient: string;
  resources: Resource[];
  courses: MedicationStatement[];
  flags: DetectedIssue[];
  domainCourses: Course[];
  domainFlags: CourseFlag[];
}

export function seedOutputs(file: string, source = 'hospa'): SeedOutputs {
  const bundle = JSON.parse(
    readFileSync(path.join(__dirname, '..', 'fixtures', 'seeds', file), 'utf8'),
  ) as Bundle;
  const { prepared } = namespaceEntries(parsePayload(bundle).entries, source);
  const resources = prepared.map((p) => p.resource);
  const byRef = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
  const events: ClinicalEvent[] = [];
  for (const r of resources) {
    events.push(...mapResource(r, { source, mappings, resolve: (ref) => byRef.get(ref) }).events);
  }
  const courses = assemble(events);
  const flags = flagPatient(courses, events);
  const patient = resources.find((r) => r.resourceType === 'Patient')!.id!;
  return {
    patient,
    resources,
    courses: courses.map(renderCourse),
    flags: flags.map(renderFlag),
    domainCourses: courses,
    domainFlags: flags,
  };
}
