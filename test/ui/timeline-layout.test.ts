/**
 * Timeline layout from the seed fixtures' course and flag resources: one row per course, one bar per
 * cycle, one mark per flag, dose steps and interruptions with their labels, positions on one axis.
 */
import type { DetectedIssue, MedicationStatement } from '@medplum/fhirtypes';
import { parseCourse, parseFlag } from '../../src/ui/model';
import { layoutTimeline } from '../../src/ui/timeline-layout';
import { renderTimelineSvg } from '../../src/ui/timeline-svg';
import { timelineBody } from '../../src/ui/timeline-page';
import { seedOutputs } from './seed-outputs';

const SEEDS = [
  'seed-000.json',
  'seed-001.json',
  'seed-002.json',
  'seed-003.json',
  'seed-004.json',
  'clean-responder.json',
];
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe.each(SEEDS)('%s', (file) => {
  const s = seedOutputs(file);
  const courses = s.courses.map(parseCourse);
  const flags = s.flags.map(parseFlag);
  const layout = layoutTimeline({ patient: s.patient, courses, flags });

  test('one row per course, one bar per cycle, one mark per flag', () => {
    expect(layout.rows).toHaveLength(s.courses.length);
    const cycleExt = (ms: MedicationStatement) =>
      (ms.extension ?? []).filter((e) => e.url.endsWith('/course-cycle')).length;
    expect(layout.rows.map((r) => r.cycles.length)).toEqual(
      [...s.courses]
        .sort((a, b) => Date.parse(a.effectivePeriod!.start!) - Date.parse(b.effectivePeriod!.start!))
        .map(cycleExt),
    );
    expect(
      layout.rows
        .flatMap((r) => r.flags)
        .map((f) => f.id)
        .sort(),
    ).toEqual(s.flags.map((f) => f.id!).sort());
    const svg = renderTimelineSvg(layout);
    expect(count(svg, 'class="cycle-bar"')).toBe(courses.reduce((n, c) => n + c.cycles.length, 0));
    expect(count(svg, 'class="flag-mark')).toBe(s.flags.length);
  });

  test('dose steps and interruptions are drawn with their labels', () => {
    for (const [i, row] of layout.rows.entries()) {
      const course = [...courses].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))[i];
      for (const [j, bar] of row.cycles.entries()) {
        const cycle = course.cycles[j];
        expect(bar.steps.map((st) => st.label)).toEqual(
          cycle.doseSteps.map((d) =>
            expect.stringContaining(d.mcgPerDay !== undefined ? `${d.mcgPerDay} mcg/d` : 'mcg/m²/d'),
          ),
        );
        expect(bar.gaps).toHaveLength(cycle.interruptions.length);
        expect(bar.response.text).toContain(`cycle ${cycle.number}`);
      }
    }
  });

  test('every mark sits on the shared axis, in time order', () => {
    const xs = layout.rows.flatMap((r) => [...r.cycles.map((c) => c.x), ...r.flags.map((f) => f.x)]);
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(150);
      expect(x).toBeLessThanOrEqual(layout.width - 20);
    }
    const byTime = flags.map((f) => ({
      t: Date.parse(f.identifiedAt),
      x: layout.rows.flatMap((r) => r.flags).find((m) => m.id === f.id)!.x,
    }));
    byTime.sort((a, b) => a.t - b.t);
    for (let i = 1; i < byTime.length; i++) expect(byTime[i].x).toBeGreaterThanOrEqual(byTime[i - 1].x);
    const ys = layout.rows.map((r) => r.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
  });
});

describe('seed 002 in detail', () => {
  const s = seedOutputs('seed-002.json');
  const courses = s.courses.map(parseCourse);
  const layout = layoutTimeline({ patient: s.patient, courses, flags: s.flags.map(parseFlag) });

  test('course 1: steps 9 then 28 mcg/day, a 2-day gap, the 28 step drawn higher than the 9 step', () => {
    const bar = layout.rows[0].cycles[0];
    expect(bar.steps.map((st) => st.label)).toEqual(['9 mcg/d', '28 mcg/d']);
    expect(bar.steps[1].y).toBeLessThan(bar.steps[0].y);
    expect(bar.gaps.map((g) => g.label)).toEqual(['2 d']);
    // the gap splits the shaded infusion days in two
    expect(bar.infusion).toHaveLength(2);
    expect(bar.infusion[0].x + bar.infusion[0].w).toBeCloseTo(bar.gaps[0].x, 0);
    expect(bar.response.label).toMatch(/^C1 CR · MRD/);
  });

  test('a withdrawn flag is drawn (struck through), not hidden', () => {
    const flags = s.flags.map((f, i): DetectedIssue => (i === 0 ? { ...f, status: 'entered-in-error' } : f));
    const views = flags.map(parseFlag);
    const l = layoutTimeline({ patient: s.patient, courses, flags: views });
    const marks = l.rows.flatMap((r) => r.flags);
    expect(marks).toHaveLength(flags.length);
    expect(marks.filter((m) => m.withdrawn).map((m) => m.id)).toEqual([flags[0].id]);
    expect(renderTimelineSvg(l)).toContain('class="flag-mark withdrawn"');
    const html = timelineBody({
      patient: s.patient,
      courses,
      flags: views,
      evidence: new Map(),
      fhirBase: '',
    });
    expect(html).toContain('class="flag-detail withdrawn"');
    expect(html).toContain('1 withdrawn (shown struck through)');
  });

  test('MRD comparator and BSA basis are shown when the course carries them, and tolerated when absent', () => {
    const ms = structuredClone(s.courses[0]);
    const cycle = ms.extension!.find((e) => e.url.endsWith('/course-cycle'))!;
    const fraction = cycle.extension!.find((e) => e.url === 'mrdFraction');
    if (fraction) fraction.valueDecimal = 0.0001;
    else cycle.extension!.push({ url: 'mrdFraction', valueDecimal: 0.0001 });
    cycle.extension!.push({ url: 'mrdComparator', valueCode: '<' });
    ms.extension = ms.extension!.filter((e) => !e.url.endsWith('/course-dose-basis'));
    ms.extension.push({
      url: 'http://bitebridge.dev/fhir/StructureDefinition/course-dose-basis',
      extension: [
        { url: 'basis', valueCode: 'per-m2-bsa' },
        { url: 'bsa', valueQuantity: { value: 0.77, unit: 'm2' } },
        { url: 'bsaMethod', valueCode: 'mosteller' },
      ],
    });
    const view = parseCourse(ms);
    expect(view.cycles[0].mrdComparator).toBe('<');
    expect(view.bsa).toEqual({ m2: 0.77, basis: 'mosteller' });
    const l = layoutTimeline({ patient: s.patient, courses: [view], flags: [] });
    expect(l.rows[0].cycles[0].response.label).toContain('MRD <0.01%');
    expect(l.rows[0].sublabel).toContain('BSA 0.77 m² (mosteller)');
    expect(parseCourse(s.courses[0]).bsa).toBeUndefined();
  });

  test('text from resources is escaped', () => {
    const flags = s.flags.map(parseFlag);
    flags[0] = { ...flags[0], detail: '<script>alert(1)</script>' };
    const html = timelineBody({ patient: s.patient, courses, flags, evidence: new Map(), fhirBase: '' });
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

test('a patient without courses gets an empty, valid timeline', () => {
  const l = layoutTimeline({ patient: 'hospa.none', courses: [], flags: [] });
  expect(l.rows).toEqual([]);
  expect(renderTimelineSvg(l)).toMatch(/^<svg[\s\S]*<\/svg>$/);
});

describe('seed 003: five years, two courses, two HSCTs', () => {
  const s = seedOutputs('seed-003.json');
  const courses = s.courses.map(parseCourse);
  const layout = layoutTimeline({ patient: s.patient, courses, flags: s.flags.map(parseFlag) });

  test('empty stretches fold into labelled breaks, so a 28-day cycle stays readable', () => {
    expect(layout.breaks.length).toBeGreaterThan(0);
    for (const b of layout.breaks) expect(b.label).toMatch(/^≈ \d+(\.\d)? (mo|y)$/);
    for (const bar of layout.rows.flatMap((r) => r.cycles)) expect(bar.w).toBeGreaterThan(40);
  });

  test('each linked event is drawn once in the patient lane, however many courses link it', () => {
    const links = new Set(courses.flatMap((c) => c.links.map((l) => `${l.kind}|${l.at}`)));
    expect(layout.events).toHaveLength(links.size);
    expect(layout.events.filter((e) => e.label === 'HSCT')).toHaveLength(2);
    const xs = layout.events.map((e) => e.x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });
});
