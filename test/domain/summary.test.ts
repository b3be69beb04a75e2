import fc from 'fast-check';
import type { Course, CourseFlag, FlagCode, ResponseAssessment } from '../../src/domain/course';
import { formatSummary, summarize } from '../../src/domain/summary';
import { cd19, course, cycle, marrow, notAssessed } from './flags/builders';

const ev = marrow('2020-01-01', 1);
const r = (
  category: ResponseAssessment['category'],
  mrd: ResponseAssessment['mrd'] = 'not-assessed',
): ResponseAssessment => ({
  category,
  mrd,
  assessedAt: '2020-02-01',
  evidence: [ev.source],
});

function patientCourse(patient: string, responses: ResponseAssessment[], opts: Partial<Course> = {}): Course {
  return {
    ...course({
      id: `${patient}-c${opts.number ?? 1}`,
      patient,
      number: opts.number ?? 1,
      start: opts.start ?? '2020-01-06',
      cycles: responses.map((response, i) => cycle({ number: i + 1, start: `2020-0${i + 1}-06`, response })),
    }),
    ...opts,
  };
}

function flag(c: Course, code: FlagCode, identifiedAt: string, grade?: number): CourseFlag {
  const f: CourseFlag = {
    id: `${c.id}-${code}`,
    code,
    severity: 'high',
    patient: c.patient,
    courseId: c.id,
    identifiedAt,
    detail: code,
    episodeKey: code,
    evidence: [ev.source],
  };
  if (grade !== undefined) f.grade = grade;
  return f;
}

// A synthetic cohort of 6 patients, 7 courses; expected figures worked out by hand below.
const p1 = patientCourse('p1', [r('CR', 'complete')]);
const p2 = patientCourse('p2', [r('no-response', 'positive'), r('CRh')]);
const p3 = patientCourse('p3', [r('no-response'), r('no-response')]);
const p3b = patientCourse('p3', [r('CR')], { number: 2, id: 'p3-c2', start: '2021-01-04' });
const p4 = patientCourse('p4', [r('CR', 'complete')], { indication: 'mrd-positive' });
const p5 = patientCourse('p5', [r('CRi'), notAssessed, r('CR')]);
const p6 = patientCourse('p6', [r('CR')]);
const courses = [p1, p2, p3, p3b, p4, p5, p6];
const flags = [
  flag(p1, 'crs', '2020-01-08', 3),
  flag(p1, 'hematologic-relapse', '2020-09-01'),
  flag(p1, 'extramedullary-relapse', '2020-09-10'),
  flag(p1, 'cd19-negative-relapse', '2020-09-01'),
  flag(p2, 'crs', '2020-01-09', 1),
  flag(p3, 'refractory', '2020-03-01'),
  flag(p3, 'extramedullary-relapse', '2020-02-20'),
  flag(p3, 'hlh-mas', '2020-01-20'),
  flag(p4, 'hematologic-relapse', '2020-10-01'),
  flag(p5, 'hematologic-relapse', '2020-11-02'),
  flag(p6, 'hematologic-relapse', '2020-12-01'),
  flag(p6, 'cd19-dim-relapse', '2020-12-01'),
];
const cd19AtP5Relapse = { ...cd19('2020-11-03', 'positive'), patient: 'p5' };

describe('summarize', () => {
  const s = summarize(courses, flags, [cd19AtP5Relapse]);

  it.each([
    // response figures: first courses, MRD-positive indication (p4) excluded → 5
    ['cr', 3, 5], // p1, p5 (cycle 3), p6
    ['crCrhWithin2Cycles', 3, 5], // p1, p2 (CRh cycle 2), p6
    ['crCrhCriWithin2Cycles', 4, 5], // + p5 (CRi)
    ['bestCr', 3, 5], // p1, p5 (CRi then CR), p6
    ['bestCrh', 1, 5], // p2
    ['bestCri', 0, 5],
    ['completeMrdResponseAfterCycle1', 1, 1], // MRD-indication courses only: p4
    ['relapseAmongResponders', 3, 4], // p1, p5, p6 of p1, p2, p5, p6
    ['extramedullaryAmongRelapses', 1, 3], // p1
    ['cd19NegativeAmongEvaluableRelapses', 1, 3], // evaluable: p1, p5 (CD19 result), p6
    ['cd19DimAmongEvaluableRelapses', 1, 3],
    ['extramedullaryAmongRefractory', 1, 1], // p3
    ['crs', 2, 7], // courses
    ['crsGrade3Plus', 1, 7],
    ['hlhMas', 1, 7],
  ] as const)('%s = %i/%i', (key, numerator, denominator) => {
    expect(s[key]).toEqual({ numerator, denominator, rate: numerator / denominator });
  });

  it('counts patients and courses', () => {
    expect([s.patients, s.courses]).toEqual([6, 7]);
  });

  it('without events only relapses with a CD19 flag are CD19-evaluable', () => {
    const bare = summarize(courses, flags);
    expect(bare.cd19NegativeAmongEvaluableRelapses).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
  });

  it('gives rate null when nothing is evaluable', () => {
    expect(summarize([], []).cr).toEqual({ numerator: 0, denominator: 0, rate: null });
  });

  it('BLAST is n/a when no course has the MRD indication', () => {
    const rr = summarize(
      courses.filter((c) => c.indication !== 'mrd-positive'),
      flags,
    );
    expect(rr.completeMrdResponseAfterCycle1).toEqual({ numerator: 0, denominator: 0, rate: null });
    expect(formatSummary(rr)).toMatch(
      /Complete MRD response after cycle 1\s+0\/0\s+n\/a\s+MRD-indication courses/,
    );
  });

  it('a CD19-negative flag raised in a refractory course counts in its own evaluable denominator', () => {
    const refractory = patientCourse('r1', [r('no-response'), r('no-response')]);
    const s2 = summarize(
      [refractory],
      [flag(refractory, 'refractory', '2020-03-01'), flag(refractory, 'cd19-negative-relapse', '2020-02-25')],
    );
    expect(s2.cd19NegativeAmongEvaluableRelapses).toEqual({ numerator: 1, denominator: 1, rate: 1 });
    expect(s2.cd19DimAmongEvaluableRelapses).toEqual({ numerator: 0, denominator: 1, rate: 0 });
  });

  it('a registry of k copies of the cohort, in any order, counts every figure k times', () => {
    // Guards the per-patient and per-course indexes: a lookup keyed wrongly would mix copies or
    // depend on input order.
    const copy = (k: number) => {
      const tag = (id: string) => `${id}~${k}`;
      return {
        courses: courses.map((c) => ({ ...c, id: tag(c.id), patient: tag(c.patient) })),
        flags: flags.map((f) => ({ ...f, patient: tag(f.patient), courseId: f.courseId && tag(f.courseId) })),
        events: [{ ...cd19AtP5Relapse, patient: tag(cd19AtP5Relapse.patient) }],
      };
    };
    const shuffled = <T>(items: T[], keys: number[]) =>
      items
        .map((item, i) => ({ item, key: keys[i % keys.length] }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.item);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer(), { minLength: 1 }), (k, keys) => {
        const copies = Array.from({ length: k }, (_, i) => copy(i));
        const big = summarize(
          shuffled(
            copies.flatMap((c) => c.courses),
            keys,
          ),
          shuffled(
            copies.flatMap((c) => c.flags),
            keys.slice().reverse(),
          ),
          copies.flatMap((c) => c.events),
        );
        for (const [key, value] of Object.entries(s)) {
          const got = big[key as keyof typeof big];
          if (typeof value === 'number') expect(got).toBe(value * k);
          else
            expect(got).toEqual({
              ...value,
              numerator: value.numerator * k,
              denominator: value.denominator * k,
            });
        }
      }),
      { numRuns: 40 },
    );
  });

  it('formats a text table: every figure with n/N, its denominator, definition and study name', () => {
    const text = formatSummary(s);
    expect(text).toContain('patients');
    expect(text).toMatch(/CR\/CRh within 2 cycles\s+3\/5\s+60\.0%\s+first courses, r\/r .*MT103-211: 43%/);
    expect(text).toMatch(/best response CRh\s+1\/5\s+20\.0%/);
    for (const study of ['MT103-211', 'TOWER', 'BLAST', '65-patient cohort study'])
      expect(text).toContain(study);
    expect(text).not.toMatch(/seed 00/);
    expect(formatSummary(summarize([], []))).toMatch(/CR \(any cycle\)\s+0\/0\s+n\/a/);
  });
});
