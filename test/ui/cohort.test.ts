/**
 * Cohort page pieces from the seed cohort: the figures equal the domain summary over the same data,
 * every figure shows its denominator and reference, and the swimmer plot has one lane per patient
 * with one bar per cycle and one mark per flag, each lane linking to its timeline.
 */
import { summarize } from '../../src/domain/summary';
import { cohortFigures } from '../../src/ui/cohort-figures';
import { cohortBody } from '../../src/ui/cohort-page';
import { parseCourse, parseFlag } from '../../src/ui/model';
import { layoutSwimmer, renderSwimmerSvg } from '../../src/ui/swimmer';
import { seedOutputs } from './seed-outputs';

const seeds = [
  'seed-000.json',
  'seed-001.json',
  'seed-002.json',
  'seed-003.json',
  'seed-004.json',
  'clean-responder.json',
].map((f) => seedOutputs(f));
const courses = seeds.flatMap((s) => s.courses.map(parseCourse));
const flags = seeds.flatMap((s) => s.flags.map(parseFlag));
const count = (text: string, needle: string) => text.split(needle).length - 1;

test('figures read from the resources equal the domain summary of the same cohort', () => {
  const fig = cohortFigures(courses, flags);
  const domain = summarize(
    seeds.flatMap((s) => s.domainCourses),
    seeds.flatMap((s) => s.domainFlags),
  );
  expect(fig.patients).toBe(domain.patients);
  expect(fig.courses).toBe(domain.courses);
  for (const row of fig.rows) {
    if (row.key in domain) expect(row.figure).toEqual((domain as any)[row.key]);
  }
  expect(fig.rows.find((r) => r.key === 'cr')!.reference).toContain('65');
  for (const study of ['MT103-211', 'TOWER', 'BLAST'])
    expect(fig.rows.some((r) => r.reference.includes(study))).toBe(true);
});

test('withdrawn flags and courses do not count in the figures', () => {
  const crs = flags.filter((f) => f.code === 'crs');
  expect(crs.length).toBeGreaterThan(0);
  const withdrawn = flags.map((f) => (f.code === 'crs' ? { ...f, withdrawn: true } : f));
  expect(cohortFigures(courses, withdrawn).rows.find((r) => r.key === 'crs')!.figure.numerator).toBe(0);
});

test('the BLAST row counts MRD-positive-indication courses only', () => {
  const row = cohortFigures(courses, flags).rows.find((r) => r.key === 'completeMrdResponseAfterCycle1')!;
  const mrdFirst = courses.filter(
    (c) =>
      c.indication === 'mrd-positive' &&
      c.cycles.some((y) => y.number === 1 && y.mrdResponse !== undefined && y.mrdResponse !== 'not-assessed'),
  );
  expect(row.figure.denominator).toBe(mrdFirst.length);
});

test('swimmer: a lane per patient, a bar per cycle, a mark per flag, links to timelines', () => {
  const l = layoutSwimmer(courses, flags, (p) => `/ui/patients/${p}`);
  expect(l.lanes.map((x) => x.patient).sort()).toEqual(seeds.map((s) => s.patient).sort());
  const svg = renderSwimmerSvg(l);
  expect(count(svg, 'class="swim-cycle"')).toBe(courses.reduce((n, c) => n + c.cycles.length, 0));
  expect(count(svg, 'class="swim-flag"')).toBe(flags.length);
  for (const s of seeds) expect(svg).toContain(`href="/ui/patients/${s.patient}"`);
  // the longest follow-up first; every lane starts at its own first course day 1
  const first = Math.min(...l.lanes.map((x) => Math.min(...x.cycles.map((c) => c.x))));
  expect(first).toBe(l.x0);
});

test('the page shows n/N for each figure and caps the lanes without dropping patients from the figures', () => {
  const html = cohortBody({ source: 'hospa', courses, flags, maxLanes: 2 });
  expect(html).toContain('Showing 2 of 6 patients');
  expect(count(html, 'class="lane"')).toBe(2);
  expect(html).toMatch(/6 patient\(s\), 9 course\(s\)/);
  expect(count(html, '<tr data-figure=')).toBe(cohortFigures(courses, flags).rows.length);
});

test('an empty source gets a page, not an error', () => {
  const html = cohortBody({ source: 'hospa', courses: [], flags: [] });
  expect(html).toContain('No courses stored for this source yet.');
  expect(html).toContain('0/0');
});
