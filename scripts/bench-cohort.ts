/**
 * Bench: the cohort page of a large registry (summary figures + swimmer plot), as the pages thread
 * draws it, against a JSON round trip of the same course and flag views (the least any page costs).
 */
import { performance } from 'node:perf_hooks';
import type { DetectedIssue, MedicationStatement, Resource } from '@medplum/fhirtypes';
import { loadClinical } from '../src/clinical';
import { parsePayload } from '../src/ingest/entries';
import { namespaceEntries } from '../src/ingest/namespace';
import { cohortPage } from '../src/ui/cohort-page';
import { parseCourse, parseFlag, type CourseView, type FlagView } from '../src/ui/model';
import { seedBundles } from '../test/helpers/synthetic';

export interface CohortPageFigures {
  patients: number;
  courses: number;
  flags: number;
  pageMs: number;
  baselineMs: number;
}

export function benchCohortPage(patients: number): CohortPageFigures {
  const clinical = loadClinical();
  const courses: CourseView[] = [];
  const flags: FlagView[] = [];
  for (const bundle of seedBundles(patients, 'k')) {
    const resources = namespaceEntries(parsePayload(bundle).entries, 'bench').prepared.map((p) => p.resource);
    const byRef = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
    const events = resources.flatMap((r) => clinical.map(r, 'bench', (ref) => byRef.get(ref)).events);
    for (const o of clinical.derive(events[0]?.patient ?? '', events) as Resource[]) {
      if (o.resourceType === 'MedicationStatement') courses.push(parseCourse(o as MedicationStatement));
      if (o.resourceType === 'DetectedIssue') flags.push(parseFlag(o as DetectedIssue));
    }
  }
  const input = { source: 'bench', courses, flags, linkBase: '' };
  const rounds = 3;
  cohortPage(input); // warm-up
  let t0 = performance.now();
  for (let i = 0; i < rounds; i++) cohortPage(input);
  const pageMs = (performance.now() - t0) / rounds;
  t0 = performance.now();
  for (let i = 0; i < rounds; i++) JSON.parse(JSON.stringify({ courses, flags }));
  const baselineMs = (performance.now() - t0) / rounds;
  return { patients, courses: courses.length, flags: flags.length, pageMs, baselineMs };
}
