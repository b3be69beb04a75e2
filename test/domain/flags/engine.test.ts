import fc from 'fast-check';
import type { FlagCode } from '../../../src/domain/course';
import {
  flagCourse,
  flagId,
  flagPatient,
  withDefaults,
  DEFAULT_FLAG_CONFIG,
} from '../../../src/domain/flags';
import { refKey } from '../../../src/domain/source-ref';
import { mrd, standardCourse } from './builders';
import { scenario } from './scenario';

const { courses, events } = scenario();
const flags = flagPatient(courses, events);

describe('flag engine', () => {
  it('raises the scenario’s patterns', () => {
    const codes = new Set(flags.map((f) => f.code));
    const expected: FlagCode[] = [
      'crs',
      'icans',
      'hlh-mas',
      'hepatotoxicity',
      'mrd-persistent',
      'molecular-relapse',
      'hematologic-relapse',
      'cd19-dim-relapse',
      'post-hsct-relapse',
      'refractory',
      'extramedullary-relapse',
      'lineage-switch',
      'toxicity-restart',
      'high-disease-burden',
      'prior-extramedullary-disease',
    ];
    for (const code of expected) expect(codes).toContain(code);
  });

  it('every flag has evidence, and every evidence ref is the source of an input event', () => {
    const sources = new Set(events.map((e) => refKey(e.source)));
    for (const flag of flags) {
      expect(flag.evidence.length).toBeGreaterThan(0);
      for (const ref of flag.evidence) expect(sources).toContain(refKey(ref));
    }
  });

  it('for any subset of the events, every flag still has evidence drawn only from the input', () => {
    const courseRefs = courses.flatMap((c) => [
      ...c.cycles.flatMap((y) => [
        ...y.response.evidence,
        ...y.evidence,
        ...y.interruptions.flatMap((i) => i.evidence),
      ]),
      ...c.toxicityRestarts.flatMap((r) => r.evidence),
    ]);
    fc.assert(
      fc.property(fc.subarray(events), (subset) => {
        const allowed = new Set([...subset.map((e) => refKey(e.source)), ...courseRefs.map(refKey)]);
        for (const flag of flagPatient(courses, subset)) {
          expect(flag.evidence.length).toBeGreaterThan(0);
          for (const ref of flag.evidence) expect(allowed).toContain(refKey(ref));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('ids are valid FHIR ids, unique, and derived from (course id, code, episode key)', () => {
    for (const flag of flags) {
      expect(flag.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
      expect(flag.id).toBe(flagId(flag.courseId, flag.code, flag.episodeKey));
    }
    expect(new Set(flags.map((f) => f.id)).size).toBe(flags.length);
    expect(flagId('c1', 'crs', 'cycle-1')).not.toBe(flagId('c2', 'crs', 'cycle-1'));
    expect(flagId('c1', 'crs', 'cycle-1')).not.toBe(flagId('c1', 'crs', 'cycle-2'));
    expect(flagId('c1', 'crs', 'cycle-1')).not.toBe(flagId('c1', 'icans', 'cycle-1'));
  });

  it('an episode keeps its id when later data changes its detail', () => {
    const c = standardCourse('2019-01-07', 3);
    const early = flagPatient([c.course], [...c.infusions, mrd('2019-02-01', 0.0005)]);
    const later = flagPatient(
      [c.course],
      [...c.infusions, mrd('2019-02-01', 0.0005), mrd('2019-03-15', 0.002)],
    );
    expect(later[0].id).toBe(early[0].id);
    expect([early[0].severity, later[0].severity]).toEqual(['moderate', 'high']);
  });

  it('is deterministic: the same events and courses in any order, with duplicates, give the same flags', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.subarray(events),
        fc.shuffledSubarray(courses, { minLength: courses.length, maxLength: courses.length }),
        (shuffled, duplicates, shuffledCourses) => {
          expect(flagPatient(shuffledCourses, [...shuffled, ...duplicates])).toEqual(flags);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('withdrawn evidence: a retracted resource’s event is absent and its flag is not produced', () => {
    const withoutCrs = events.filter((e) => !(e.kind === 'Toxicity' && e.toxicity === 'crs'));
    const after = flagPatient(courses, withoutCrs);
    // The surrogate (tocilizumab + fever + vasopressor) still supports CRS: the flag stays, graded ASTCT.
    expect(after.filter((f) => f.code === 'crs').map((f) => f.detail)).toEqual([
      'CRS grade 3 on day 3 of cycle 1 (ASTCT: fever 39.3 °C, tocilizumab, 1 vasopressor agent(s))',
    ]);
    const withoutAnyCrs = withoutCrs.filter((e) => e.kind !== 'TocilizumabGiven');
    const gone = flagPatient(courses, withoutAnyCrs);
    expect(gone.some((f) => f.code === 'crs')).toBe(false);
    const kept = (list: typeof flags) => list.filter((f) => f.code !== 'crs').map((f) => f.id);
    expect(kept(gone)).toEqual(kept(flags));
  });

  it('retracting the relapse markers withdraws the relapse and every flag that depended on it', () => {
    const before = flags.map((f) => `${f.courseId}:${f.code}`);
    expect(before).toEqual(
      expect.arrayContaining(['course-1:hematologic-relapse', 'course-1:cd19-dim-relapse']),
    );
    const without = events.filter((e) => !(e.kind.endsWith('Blasts') && e.at === '2016-02-22'));
    const codes = flagPatient(courses, without).map((f) => `${f.courseId}:${f.code}`);
    expect(codes).not.toContain('course-1:hematologic-relapse');
    expect(codes).not.toContain('course-1:cd19-dim-relapse');
  });

  it('refuses data of more than one patient (rules read the whole event timeline)', () => {
    const other = { ...events[0], patient: 'src.p2', eventId: 'other' };
    expect(() => flagPatient(courses, [...events, other])).toThrow(RangeError);
  });

  it('flagCourse gives the course’s share of flagPatient', () => {
    const ctx = { events, courses, config: withDefaults() };
    expect(flagCourse(courses[1], ctx)).toEqual(flags.filter((f) => f.courseId === 'course-2'));
  });

  it('sorts by course, then time, code and episode', () => {
    const order = flags.map((f) => [
      f.courseId === 'course-1' ? 0 : 1,
      Date.parse(f.identifiedAt.length === 10 ? `${f.identifiedAt}T00:00:00Z` : f.identifiedAt),
    ]);
    const sorted = [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(order).toEqual(sorted);
  });
});

describe('FlagConfig', () => {
  it('withDefaults overlays a partial config on the documented defaults', () => {
    expect(withDefaults()).toEqual(DEFAULT_FLAG_CONFIG);
    expect(withDefaults({ mrdPositiveFraction: 1e-3 }).mrdPositiveFraction).toBe(1e-3);
    expect(withDefaults({ mrdPositiveFraction: 1e-3 }).mrdHighFraction).toBe(1e-3);
  });
  it.each([
    ['an unknown key', { nope: 1 }],
    ['a negative threshold', { feverCelsius: -1 }],
    ['a non-number', { feverCelsius: '38' }],
  ])('rejects %s', (_label, partial) => {
    expect(() => withDefaults(partial as never)).toThrow(RangeError);
  });
});
