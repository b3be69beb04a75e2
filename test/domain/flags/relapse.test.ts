import { blood, cd19, em, ev, marrow, mrd, response, standardCourse } from './builders';
import { evidenceOf, keys, only, refs, run } from './helpers';

// Seed 002 shape: course 1 (Feb 2015) reaches CR; maintenance course 2 (Sep 2015); relapse Feb 2016.
const cr = marrow('2015-03-09', 1);
const c1 = standardCourse('2015-02-09', 1, { responses: [response('CR', '2015-03-09', [cr])] });
const c2 = standardCourse('2015-09-01', 1, { number: 2, id: 'course-2' });
const base = [...c1.infusions, ...c2.infusions, cr];

describe('hematologic-relapse', () => {
  it('raises on marrow blasts ≥5% after a CR, on the course whose window holds it (seed 002)', () => {
    const relapse = marrow('2016-02-22', 38);
    const flags = only(run([c1.course, c2.course], [...base, relapse]), 'hematologic-relapse');
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      courseId: 'course-2',
      episodeKey: 'relapse-2016-02-22',
      severity: 'high',
      detail: 'Marrow blasts 38% on 2016-02-22 after remission',
    });
    expect(evidenceOf(flags[0])).toEqual(refs(relapse, cr));
  });

  it.each([
    ['peripheral blasts', () => blood('2016-02-22', 12)],
    [
      'a relapse diagnosis (C91.02)',
      () => ev('Diagnosis', '2016-02-22', { relapse: true, remission: false }),
    ],
  ])('raises on %s after remission', (_label, marker) => {
    expect(keys(only(run([c1.course, c2.course], [...base, marker()]), 'hematologic-relapse'))).toEqual([
      'course-2:hematologic-relapse:relapse-2016-02-22',
    ]);
  });

  it('remission can come from a negative MRD instead of a course response', () => {
    const c = standardCourse('2015-02-09', 1);
    const flags = run([c.course], [...c.infusions, mrd('2015-03-05', 0), marrow('2015-10-01', 20)]);
    expect(keys(only(flags, 'hematologic-relapse'))).toEqual([
      'course-1:hematologic-relapse:relapse-2015-10-01',
    ]);
  });

  it.each([
    [
      'never in remission (refractory disease is not a relapse)',
      () => [...c1.infusions, marrow('2015-03-09', 60), marrow('2015-05-09', 80)],
    ],
    ['blasts below 5%', () => [...base, marrow('2015-03-09', 1), marrow('2016-02-22', 4)]],
    [
      'relapse before the first course',
      () => [...c1.infusions, marrow('2014-10-01', 2), marrow('2014-11-01', 79)],
    ],
  ])('does not raise: %s', (_label, events) => {
    const noResponse = standardCourse('2015-02-09', 1);
    expect(only(run([noResponse.course], events()), 'hematologic-relapse')).toEqual([]);
  });

  it('markers while already relapsed are the same episode, not a new relapse', () => {
    const events = [...base, marrow('2016-02-22', 38), blood('2016-03-01', 20), blood('2016-04-15', 71)];
    expect(only(run([c1.course, c2.course], events), 'hematologic-relapse')).toHaveLength(1);
  });
});

describe('refractory', () => {
  const b1 = marrow('2016-10-07', 60);
  const b2 = marrow('2016-11-18', 70);

  it('raises when neither cycle 1 nor 2 reached CR/CRh/CRi (seed 001)', () => {
    const c = standardCourse('2016-09-12', 2, {
      responses: [response('no-response', '2016-10-07', [b1]), response('no-response', '2016-11-18', [b2])],
    });
    const flags = only(run([c.course], [...c.infusions, b1, b2]), 'refractory');
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      episodeKey: 'course',
      severity: 'high',
      identifiedAt: '2016-11-18',
      detail: 'No CR/CRh/CRi by the end of cycle 2 (cycle 1: no-response, cycle 2: no-response)',
    });
    expect(evidenceOf(flags[0])).toEqual(refs(b1, b2));
  });

  it('raises when a one-cycle course ended without response', () => {
    const c = standardCourse('2016-09-12', 1, { responses: [response('no-response', '2016-10-07', [b1])] });
    expect(only(run([c.course], [...c.infusions, b1]), 'refractory')).toHaveLength(1);
  });

  it.each([
    [
      'a CR in cycle 2',
      [response('no-response', '2016-10-07', [b1]), response('CR', '2016-11-18', [b2])],
      2,
      true,
    ],
    ['cycles not assessed (not a failure)', [], 2, true],
    ['only cycle 1, course still running', [response('no-response', '2016-10-07', [b1])], 1, false],
  ])('does not raise: %s', (_label, responses, n, ended) => {
    const c = standardCourse('2016-09-12', n, { responses, ended });
    expect(only(run([c.course], [...c.infusions, b1, b2]), 'refractory')).toEqual([]);
  });

  it('raises when blasts rise during cycle 1 of a re-treatment (seed 002)', () => {
    const c3 = standardCourse('2016-03-14', 1, { number: 3, id: 'course-3', ended: false });
    const before = blood('2016-02-22', 12);
    const after = blood('2016-03-28', 71);
    const flags = only(
      run([c1.course, c3.course], [...c1.infusions, ...c3.infusions, before, after]),
      'refractory',
    );
    expect(flags.map((f) => [f.courseId, f.identifiedAt, f.detail])).toEqual([
      ['course-3', '2016-03-28', 'Peripheral blasts rose from 12% to 71% during cycle 1 of a re-treatment'],
    ]);
    expect(evidenceOf(flags[0])).toEqual(refs(before, after));
  });

  it('rising blasts in a first course are not the re-treatment criterion', () => {
    const c = standardCourse('2016-03-14', 1, { ended: false });
    const events = [...c.infusions, blood('2016-02-22', 12), blood('2016-03-28', 71)];
    expect(only(run([c.course], events), 'refractory')).toEqual([]);
  });
});

describe('extramedullary-relapse', () => {
  const c = standardCourse('2019-01-07', 4, { ended: false });

  it('raises on a myeloid sarcoma in cycle 4 (seed 000)', () => {
    const mass = em('2019-05-24', { myeloidSarcoma: true, site: 'thoracic spine' });
    const flags = only(run([c.course], [...c.infusions, mass]), 'extramedullary-relapse');
    expect(flags.map((f) => [f.episodeKey, f.severity, f.detail])).toEqual([
      ['em-2019-05-24', 'high', 'Extramedullary disease on 2019-05-24 (myeloid sarcoma), course day 138'],
    ]);
    expect(flags[0].detail).not.toContain('thoracic'); // no free text from the source
  });

  it('raises on CNS2', () => {
    const flags = only(
      run([c.course], [...c.infusions, em('2019-03-01', { cnsStatus: 'CNS2' })]),
      'extramedullary-relapse',
    );
    expect(flags[0].detail).toContain('(CNS2)');
  });

  it.each([
    ['EM disease only before day 1', [em('2018-10-01')]],
    [
      'EM disease charted before day 1 and again on day 5 (persistent, not new)',
      [em('2018-12-28', {}), em('2019-01-11', {})],
    ],
  ])('does not raise: %s', (_label, ems) => {
    expect(only(run([c.course], [...c.infusions, ...ems]), 'extramedullary-relapse')).toEqual([]);
  });
});

describe('cd19-negative-relapse / cd19-dim-relapse', () => {
  const relapse = marrow('2016-02-22', 38);
  const flagsWith = (...extra: ReturnType<typeof cd19>[]) =>
    run([c1.course, c2.course], [...base, relapse, ...extra]);

  it('raises cd19-dim-relapse on a dim specimen at relapse (seed 002), with the relapse evidence', () => {
    const dim = cd19('2016-02-22', 'dim');
    const flags = only(flagsWith(dim), 'cd19-dim-relapse');
    expect(flags.map((f) => [f.courseId, f.severity, f.episodeKey])).toEqual([
      ['course-2', 'moderate', 'cd19-2016-02-22'],
    ]);
    expect(evidenceOf(flags[0])).toEqual(refs(dim, relapse, cr));
  });

  it('raises cd19-negative-relapse (high) on a negative specimen within 14 days', () => {
    expect(
      only(flagsWith(cd19('2016-03-01', 'negative')), 'cd19-negative-relapse').map((f) => f.severity),
    ).toEqual(['high']);
  });

  it.each([
    ['CD19 positive at relapse', cd19('2016-02-22', 'positive')],
    ['CD19 dim 40 days from any relapse', cd19('2016-04-02', 'dim')],
  ])('does not raise: %s', (_label, result) => {
    const flags = flagsWith(result);
    expect([...only(flags, 'cd19-dim-relapse'), ...only(flags, 'cd19-negative-relapse')]).toEqual([]);
  });

  it('does not raise without a relapse or refractory finding', () => {
    expect(
      only(run([c1.course], [...c1.infusions, cd19('2015-03-01', 'negative')]), 'cd19-negative-relapse'),
    ).toEqual([]);
  });
});

describe('charted comparators on blasts', () => {
  it('"<5%" marrow blasts are remission evidence, never a relapse', () => {
    const c = standardCourse('2015-02-09', 1);
    const below5 = ev('MarrowBlasts', '2015-03-05', { percent: 5, comparator: '<' });
    const later = ev('MarrowBlasts', '2015-06-01', { percent: 5, comparator: '<' }, 'later');
    const relapse = marrow('2015-10-01', 20);
    expect(only(run([c.course], [...c.infusions, below5, later]), 'hematologic-relapse')).toEqual([]);
    expect(only(run([c.course], [...c.infusions, below5, relapse]), 'hematologic-relapse')).toHaveLength(1);
  });

  it('"<1%" peripheral blasts are not a relapse marker', () => {
    const blasts = ev('PeripheralBlasts', '2016-02-22', { percent: 1, comparator: '<' });
    expect(only(run([c1.course, c2.course], [...base, blasts]), 'hematologic-relapse')).toEqual([]);
  });
});
