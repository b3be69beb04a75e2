import {
  assemble,
  courseId,
  DEFAULT_ASSEMBLY_CONFIG,
  freeIntervalAfter,
  withDefaults,
} from '../../../src/domain/course/index';
import type { ClinicalEvent } from '../../../src/domain/events';
import { plusDays, Timeline } from './builders';

describe('course identity', () => {
  const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

  it('is deterministic for (patient, course number) and a valid FHIR id', () => {
    const id = courseId('hospa.12345', 1);
    expect(id).toMatch(/^course-[0-9a-f]{16}-1$/);
    expect(courseId('hospa.12345', 1)).toBe(id);
    expect(courseId('hospa.12345', 2)).not.toBe(id);
    expect(courseId('hospb.12345', 1)).not.toBe(id);
  });

  it('stays a valid FHIR id for long patient ids', () => {
    const long = `hospital-with-a-long-name.${'a'.repeat(64)}`;
    expect(courseId(long, 12)).toMatch(FHIR_ID);
  });

  it('rejects a course number that is not a positive integer', () => {
    expect(() => courseId('hospa.1', 0)).toThrow(RangeError);
  });

  it('numbers courses per patient in time order', () => {
    const t = new Timeline('hospa.777');
    t.daily('2020-01-01', 28, { mcgPerDay: 28 });
    t.daily('2021-01-01', 28, { mcgPerDay: 28 });
    const courses = assemble(t.events());
    expect(courses.map((c) => [c.number, c.id])).toEqual([
      [1, courseId('hospa.777', 1)],
      [2, courseId('hospa.777', 2)],
    ]);
  });
});

describe('assembly config', () => {
  it('returns the documented defaults', () => {
    expect(withDefaults()).toEqual(DEFAULT_ASSEMBLY_CONFIG);
    expect(freeIntervalAfter(5, withDefaults())).toBe(14);
    expect(freeIntervalAfter(6, withDefaults())).toBe(56);
  });

  it('merges partial overrides, including one unit of a dose', () => {
    const cfg = withDefaults({ courseGapMarginDays: 30, stepDose: { mcgPerDay: 10 } });
    expect(cfg.courseGapMarginDays).toBe(30);
    expect(cfg.stepDose).toEqual({ mcgPerDay: 10, mcgPerM2PerDay: 5 });
    expect(cfg.targetDose).toEqual(DEFAULT_ASSEMBLY_CONFIG.targetDose);
  });

  it('fails loudly on a threshold that cannot be one', () => {
    expect(() => withDefaults({ freeIntervalDays: -1 })).toThrow(RangeError);
    expect(() => withDefaults({ countToleranceDays: Number.NaN })).toThrow(RangeError);
    expect(() => withDefaults({ targetDose: { mcgPerDay: 0 } })).toThrow(RangeError);
  });

  it('changes assembly when a threshold is overridden', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 28, { mcgPerDay: 28 });
    t.daily(plusDays('2020-01-28', 61), 28, { mcgPerDay: 28 });
    expect(assemble(t.events())).toHaveLength(1);
    expect(assemble(t.events(), { courseGapMarginDays: 30 })).toHaveLength(2);
  });
});

describe('duplicate events', () => {
  it('keeps one event per eventId, the one from the higher source version', () => {
    const t = new Timeline();
    const [bag] = t.daily('2020-01-01', 1, { mcgPerDay: 9 });
    const v1 = { ...bag!, source: { ...bag!.source, versionId: '1' } };
    const v2: ClinicalEvent = { ...bag!, mcgPerDay: 28, source: { ...bag!.source, versionId: '2' } };
    for (const events of [
      [v1, v2],
      [v2, v1],
    ]) {
      const [course] = assemble(events);
      expect(course!.cycles[0]!.doseSteps).toMatchObject([{ mcgPerDay: 28 }]);
      expect(course!.infusions).toEqual([{ ...bag!.source, versionId: '2' }]);
    }
  });
});
