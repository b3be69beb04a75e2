import { em, ev, hsct, marrow, mrd, response, standardCourse } from './builders';
import { evidenceOf, keys, only, refs, run } from './helpers';

describe('lineage-switch', () => {
  const sarcoma = (at: string) => ev('MyeloidDisease', at, { form: 'myeloid-sarcoma' });
  const kmt2a = ev('Kmt2aRearrangement', '2018-06-01', { present: true });

  it('high with KMT2A rearrangement during the course (seed 000)', () => {
    const c = standardCourse('2019-01-07', 4, { ended: false });
    const s = sarcoma('2019-05-24');
    const flags = only(run([c.course], [...c.infusions, s, kmt2a]), 'lineage-switch');
    expect(flags.map((f) => [f.severity, f.detail])).toEqual([
      ['high', 'Myeloid sarcoma on 2019-05-24, 0 days after CD19-directed therapy, KMT2A rearranged'],
    ]);
    expect(evidenceOf(flags[0])).toEqual(refs(s, kmt2a));
  });

  it('moderate without KMT2A more than 6 months after the last infusion', () => {
    const c = standardCourse('2019-01-07', 1); // ends 2019-02-04
    const flags = only(run([c.course], [...c.infusions, sarcoma('2019-12-01')]), 'lineage-switch');
    expect(flags.map((f) => f.severity)).toEqual(['moderate']);
  });

  it('high without KMT2A within 6 months', () => {
    const c = standardCourse('2019-01-07', 1);
    expect(only(run([c.course], [...c.infusions, sarcoma('2019-04-01')]), 'lineage-switch')[0].severity).toBe(
      'high',
    );
  });

  it('does not raise for myeloid disease before CD19-directed therapy', () => {
    const c = standardCourse('2019-01-07', 1);
    expect(only(run([c.course], [...c.infusions, sarcoma('2018-12-01')]), 'lineage-switch')).toEqual([]);
  });
});

describe('post-hsct-relapse', () => {
  // Seed 003 shape: CR, HSCT, relapse; second course, CR, HSCT, MRD conversion.
  const crA = marrow('2016-03-07', 0.5);
  const a = standardCourse('2016-02-08', 1, { responses: [response('CR', '2016-03-07', [crA])] });
  const b = standardCourse('2018-03-12', 1, { number: 2, id: 'course-2' });
  const h1 = hsct('2016-09-05');
  const h2 = hsct('2018-07-02');
  const relapse1 = marrow('2017-08-07', 64);
  const events = [
    ...a.infusions,
    ...b.infusions,
    crA,
    h1,
    relapse1,
    marrow('2017-11-13', 0.2),
    marrow('2018-03-01', 45), // third relapse, same transplant: same episode
    mrd('2018-04-06', 0),
    h2,
    mrd('2019-01-07', 0.0003),
  ];

  it('raises once per transplant followed by relapse, on the relapse’s course (seed 003: twice)', () => {
    const flags = only(run([a.course, b.course], events), 'post-hsct-relapse');
    expect(keys(flags)).toEqual([
      'course-1:post-hsct-relapse:hsct-2016-09-05',
      'course-2:post-hsct-relapse:hsct-2018-07-02',
    ]);
    expect(flags[0].detail).toBe('hematologic-relapse on 2017-08-07, 336 days after HSCT on 2016-09-05');
    expect(flags[1].detail).toBe('molecular-relapse on 2019-01-07, 189 days after HSCT on 2018-07-02');
    expect(evidenceOf(flags[0])).toEqual(refs(h1, relapse1, crA));
  });

  it('names every relapse flag of the first relapse day, with their evidence', () => {
    const cns = em('2017-08-07', { cnsStatus: 'CNS2' });
    const flags = only(run([a.course, b.course], [...events, cns]), 'post-hsct-relapse');
    expect(flags[0].detail).toBe(
      'hematologic-relapse + extramedullary-relapse on 2017-08-07, 336 days after HSCT on 2016-09-05',
    );
    expect(evidenceOf(flags[0])).toEqual(refs(h1, relapse1, crA, cns));
  });

  it('does not raise when the relapse precedes the transplant', () => {
    const late = hsct('2017-12-01');
    const flags = run([a.course], [...a.infusions, crA, relapse1, late]);
    expect(only(flags, 'post-hsct-relapse')).toEqual([]);
  });
});
