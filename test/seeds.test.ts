/**
 * The full pure pipeline on each FHIR seed fixture: the adapter's parsing and namespacing, every
 * entry through the mapper, the patient's events through course assembly, then the flag engine;
 * checked against expectations.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { ClinicalEvent } from '../src/domain/events';
import type { Course, CourseFlag } from '../src/domain/course';
import { assemble } from '../src/domain/course/index';
import { flagPatient } from '../src/domain/flags';
import { renderFlag } from '../src/domain/flags/render';
import { refKey } from '../src/domain/source-ref';
import { summarize } from '../src/domain/summary';
import { parsePayload } from '../src/ingest/entries';
import { namespaceEntries } from '../src/ingest/namespace';
import { loadMappings, mapResource } from '../src/mapping/index';
import { assertValidOutput, warmUpValidation } from '../src/validation/index';
import { SEED_EXPECTATIONS, type ExpectedFlag } from './fixtures/seeds/expectations';

const SOURCE = 'seed-hospital';
const mappings = loadMappings(path.resolve(__dirname, '..', 'mappings'));
beforeAll(() => warmUpValidation(path.resolve(__dirname, '..', 'profiles')));

interface Outcome {
  events: ClinicalEvent[];
  courses: Course[];
  flags: CourseFlag[];
  statuses: Record<string, number>;
}

function runPipeline(resources: Resource[]): Outcome {
  const byRef = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
  const resolve = (reference: string) => byRef.get(reference);
  const statuses: Record<string, number> = {};
  const events: ClinicalEvent[] = [];
  for (const resource of resources) {
    const result = mapResource(resource, { source: SOURCE, mappings, resolve });
    statuses[result.status] = (statuses[result.status] ?? 0) + 1;
    events.push(...result.events);
  }
  const courses = assemble(events);
  return { events, courses, flags: flagPatient(courses, events), statuses };
}

/** The adapter's ingest path: parse the Bundle and move it into the source namespace. */
function load(file: string): Resource[] {
  const bundle = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'seeds', file), 'utf8')) as Bundle;
  const parsed = parsePayload(bundle);
  const { prepared, issues } = namespaceEntries(parsed.entries, SOURCE);
  if (parsed.entryIssues.size > 0 || issues.size > 0) throw new Error(`${file}: entries with issues`);
  return prepared.map((p) => p.resource);
}

function matches(flag: CourseFlag, expected: ExpectedFlag, courses: Course[]): boolean {
  const course = courses.find((c) => c.id === flag.courseId);
  return (
    flag.code === expected.code &&
    course?.number === expected.course &&
    (expected.cycle === undefined ||
      flag.episodeKey === `cycle-${expected.cycle}` ||
      flag.episodeKey.startsWith(`cycle-${expected.cycle}-`)) &&
    (expected.grade === undefined || flag.grade === expected.grade) &&
    (expected.severity === undefined || flag.severity === expected.severity) &&
    (expected.episodeKey === undefined || flag.episodeKey === expected.episodeKey)
  );
}

describe.each(SEED_EXPECTATIONS)('seed fixture $file', (expected) => {
  let resources: Resource[] = [];
  let outcome: Outcome = { events: [], courses: [], flags: [], statuses: {} };
  beforeAll(() => {
    resources = load(expected.file);
    outcome = runPipeline(resources);
  });
  const summary = () => outcome.flags.map((f) => `${f.code} ${f.episodeKey} ${f.severity} ${f.detail}`);

  it('maps every entry without error', () => {
    expect(outcome.statuses.error ?? 0).toBe(0);
  });

  it('assembles the expected courses and cycles', () => {
    expect(outcome.courses.map((c) => c.cycles.length)).toEqual(expected.cycles);
  });

  it('assesses the expected responses', () => {
    for (const r of expected.responses) {
      const cycle = outcome.courses[r.course - 1]?.cycles.find((c) => c.number === r.cycle);
      if (r.category) expect({ ...r, got: cycle?.response.category }).toEqual({ ...r, got: r.category });
      if (r.mrd) expect({ ...r, got: cycle?.response.mrd }).toEqual({ ...r, got: r.mrd });
    }
  });

  it('raises the flags that must be raised', () => {
    for (const e of expected.mustRaise) {
      expect({
        expected: e,
        raised: outcome.flags.some((f) => matches(f, e, outcome.courses)),
        flags: summary(),
      }).toEqual(expect.objectContaining({ raised: true }));
    }
  });

  it('raises none of the flags that must not be raised', () => {
    const codes = new Set(outcome.flags.map((f) => f.code));
    for (const code of expected.mustNotRaise)
      expect({ code, raised: codes.has(code) }).toEqual({ code, raised: false });
    if (expected.flagCount !== undefined) expect(summary()).toHaveLength(expected.flagCount);
  });

  it('traces every flag to mapped source resources', () => {
    const sources = new Set(outcome.events.map((e) => refKey(e.source)));
    for (const flag of outcome.flags) {
      expect(flag.evidence.length).toBeGreaterThan(0);
      for (const ref of flag.evidence) expect(sources).toContain(refKey(ref));
    }
  });

  it('renders every flag as a DetectedIssue conforming to the course-flag profile', () => {
    for (const flag of outcome.flags) expect(() => assertValidOutput(renderFlag(flag))).not.toThrow();
  });

  it('gives the same courses and flags for the entries in reverse order', () => {
    const reversed = runPipeline([...resources].reverse());
    expect(reversed.courses).toEqual(outcome.courses);
    expect(reversed.flags).toEqual(outcome.flags);
  });
});

describe('registry summary over the seed cohort (one patient per fixture)', () => {
  it('reproduces the hand-counted figures', () => {
    const outcomes = SEED_EXPECTATIONS.map((e) => runPipeline(load(e.file)));
    const s = summarize(
      outcomes.flatMap((o) => o.courses),
      outcomes.flatMap((o) => o.flags),
      outcomes.flatMap((o) => o.events),
    );
    const f = (numerator: number, denominator: number) => ({
      numerator,
      denominator,
      rate: numerator / denominator,
    });
    expect([s.patients, s.courses]).toEqual([6, 9]);
    // First courses; seed 000 (MRD-positive indication) is not CR-evaluable; seed 001 is refractory.
    expect(s.cr).toEqual(f(4, 5));
    expect(s.crCrhWithin2Cycles).toEqual(f(4, 5));
    // Best response of the first course, separately: CR in 002, 003, 004, clean; none in 001.
    expect([s.bestCr, s.bestCrh, s.bestCri]).toEqual([f(4, 5), f(0, 5), f(0, 5)]);
    // BLAST: MRD-indication courses only: 000 (MRD positive after cycle 1).
    expect(s.completeMrdResponseAfterCycle1).toEqual(f(0, 1));
    // Responders 002, 003, 004, clean; relapsed 002 and 003 (003's with CNS2). CD19-evaluable episodes:
    // 002's relapse (dim) and 001's refractory course (negative, its cd19-negative-relapse flag).
    expect(s.relapseAmongResponders).toEqual(f(2, 4));
    expect(s.extramedullaryAmongRelapses).toEqual(f(1, 2));
    expect(s.cd19DimAmongEvaluableRelapses).toEqual(f(1, 2));
    expect(s.cd19NegativeAmongEvaluableRelapses).toEqual(f(1, 2));
    expect(s.extramedullaryAmongRefractory).toEqual(f(1, 1));
    expect(s.crs).toEqual(f(1, 9));
    expect(s.hlhMas).toEqual(f(1, 9));
  });
});
