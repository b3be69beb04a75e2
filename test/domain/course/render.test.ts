import { assemble, COURSE_PROFILE, renderCourse } from '../../../src/domain/course/index';
import { assertJsonClean, Timeline } from './builders';

const SD = 'http://bitebridge.dev/fhir/StructureDefinition';

function endedCourse() {
  const t = new Timeline('hospa.render');
  const dx = t.diagnosis('2019-01-01');
  t.daily('2020-01-01', 3, { mcgPerDay: 9 });
  t.daily('2020-01-06', 4, { mcgPerDay: 9 });
  t.daily('2020-01-10', 5, { mcgPerDay: 28 });
  t.toxicity('2020-01-14', 'crs', 2);
  t.daily('2020-01-15', 16, { mcgPerDay: 9, mcgPerM2PerDay: 5 });
  t.marrow('2020-02-01', 1);
  t.counts('2020-02-01', 150, 2);
  t.mrd('2020-02-01', { fraction: 2e-5 });
  t.hsct('2020-03-01');
  return { course: assemble(t.events())[0]!, dx };
}

describe('renderCourse', () => {
  const { course, dx } = endedCourse();
  const ms = renderCourse(course);

  it('writes the profile elements in FHIR order, without store-owned meta', () => {
    expect(Object.keys(ms)).toEqual([
      'resourceType',
      'id',
      'meta',
      'extension',
      'identifier',
      'status',
      'statusReason',
      'medicationCodeableConcept',
      'subject',
      'effectivePeriod',
      'derivedFrom',
      'reasonReference',
      'dosage',
    ]);
    expect(ms.meta).toEqual({ profile: [COURSE_PROFILE] });
    expect(ms.identifier).toEqual([{ system: 'http://bitebridge.dev/fhir/sid/course', value: course.id }]);
    expect(ms.status).toBe('completed');
    expect(ms.statusReason).toEqual([
      { coding: [{ system: 'http://bitebridge.dev/fhir/CodeSystem/course-end-reason', code: 'hsct' }] },
    ]);
    expect(ms.medicationCodeableConcept!.coding![0]).toMatchObject({
      system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
      code: '1597258',
    });
    expect(ms.subject).toEqual({ reference: 'Patient/hospa.render' });
    expect(ms.effectivePeriod).toEqual({ start: '2020-01-01T08:00:00Z', end: '2020-01-31T08:00:00Z' });
    expect(ms.derivedFrom).toHaveLength(28);
    expect(ms.reasonReference).toEqual([{ reference: `Condition/${dx.source.id}` }]);
  });

  it('renders one dosage per dose step, in order, with UCUM rates', () => {
    expect(ms.dosage!.map((d) => [d.sequence, d.text])).toEqual([
      [1, '9 mcg/day'],
      [2, '28 mcg/day'],
      [3, '9 mcg/day (5 mcg/m²/day)'],
    ]);
    expect(ms.dosage![2]!.doseAndRate).toEqual([
      { rateQuantity: { value: 9, unit: 'mcg/d', system: 'http://unitsofmeasure.org', code: 'ug/d' } },
      {
        rateQuantity: { value: 5, unit: 'mcg/m2/d', system: 'http://unitsofmeasure.org', code: 'ug/(m2.d)' },
      },
    ]);
    expect(ms.dosage![0]!.timing).toEqual({
      repeat: { boundsPeriod: { start: '2020-01-01T08:00:00Z', end: '2020-01-10T08:00:00Z' } },
    });
  });

  it('renders course number, indication, cycles, toxicity restarts and links as extensions', () => {
    expect(ms.extension!.map((e) => e.url)).toEqual([
      `${SD}/course-number`,
      `${SD}/course-indication`,
      `${SD}/course-dose-basis`,
      `${SD}/course-cycle`,
      `${SD}/course-toxicity-restart`,
      `${SD}/course-link`,
      `${SD}/course-link`,
    ]);
    expect(ms.extension![0]).toEqual({ url: `${SD}/course-number`, valuePositiveInt: 1 });
    expect(ms.extension![1]).toEqual({ url: `${SD}/course-indication`, valueCode: 'relapsed-refractory' });
    expect(ms.extension![2]).toEqual({
      url: `${SD}/course-dose-basis`,
      extension: [{ url: 'basis', valueCode: 'as-charted' }],
    });
    const cycle = ms.extension![3]!.extension!;
    expect([...new Set(cycle.map((e) => e.url))]).toEqual([
      'number',
      'period',
      'infusionDays',
      'interruption',
      'doseStep',
      'response',
      'mrdResponse',
      'mrdFraction',
      'responseEvidence',
      'infusion',
    ]);
    expect(cycle.find((e) => e.url === 'infusionDays')).toEqual({
      url: 'infusionDays',
      valueUnsignedInt: 28,
    });
    expect(cycle.find((e) => e.url === 'response')!.valueCodeableConcept!.coding![0]!.code).toBe('CR');
    expect(cycle.find((e) => e.url === 'mrdResponse')!.valueCodeableConcept!.coding![0]!.code).toBe(
      'complete',
    );
    expect(cycle.find((e) => e.url === 'mrdFraction')).toEqual({ url: 'mrdFraction', valueDecimal: 2e-5 });
    const interruption = cycle.find((e) => e.url === 'interruption')!.extension!;
    expect(interruption.slice(0, 3)).toEqual([
      { url: 'period', valuePeriod: { start: '2020-01-04T08:00:00Z', end: '2020-01-06T08:00:00Z' } },
      { url: 'hours', valueDecimal: 48 },
      { url: 'opensNewCycle', valueBoolean: false },
    ]);
    expect(interruption.slice(3).every((e) => e.url === 'evidence' && e.valueReference)).toBe(true);
    const restart = ms.extension![4]!.extension!;
    expect(restart.slice(0, 3)).toEqual([
      { url: 'at', valueDateTime: '2020-01-15T08:00:00Z' },
      {
        url: 'from',
        valueQuantity: { value: 28, unit: 'mcg/d', system: 'http://unitsofmeasure.org', code: 'ug/d' },
      },
      {
        url: 'to',
        valueQuantity: { value: 9, unit: 'mcg/d', system: 'http://unitsofmeasure.org', code: 'ug/d' },
      },
    ]);
    const link = ms.extension![5]!.extension!;
    expect(link.slice(0, 4)).toEqual([
      { url: 'kind', valueCode: 'toxicity' },
      { url: 'timing', valueCode: 'during' },
      { url: 'at', valueDateTime: '2020-01-14' },
      { url: 'detail', valueString: 'CRS grade 2' },
    ]);
  });

  it('is JSON-clean: no undefined, no empty arrays, survives a JSON round trip unchanged', () => {
    assertJsonClean(ms);
    expect(JSON.parse(JSON.stringify(ms))).toStrictEqual(ms);
  });

  it('leaves out statusReason and the period end while the course is active', () => {
    const t = new Timeline('hospa.active');
    t.daily('2020-01-01', 5, {});
    const active = renderCourse(assemble(t.events())[0]!);
    expect(active.status).toBe('active');
    expect(active.statusReason).toBeUndefined();
    expect(active.effectivePeriod).toEqual({ start: '2020-01-01T08:00:00Z' });
    expect('dosage' in active).toBe(false);
    expect('reasonReference' in active).toBe(false);
    assertJsonClean(active);
  });
});
