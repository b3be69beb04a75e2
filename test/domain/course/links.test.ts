import { assemble } from '../../../src/domain/course/index';
import { Timeline } from './builders';

describe('links', () => {
  function twoCourses() {
    const t = new Timeline();
    const hsct = t.hsct('2019-06-01');
    t.diagnosis('2018-01-01');
    t.daily('2020-01-01', 28, { mcgPerDay: 28 });
    const crs = t.toxicity('2020-01-03', 'crs', 2);
    t.marrow('2020-01-29', 1);
    const relapse = t.marrow('2020-04-01', 40);
    const carT = t.carT('2020-05-01');
    t.daily('2020-07-01', 28, { mcgPerDay: 28 });
    const icans = t.toxicity('2020-07-05', 'icans');
    return { courses: assemble(t.events()), hsct, crs, relapse, carT, icans };
  }

  it('links HSCT, toxicity, relapse and CAR-T with their timing relative to the course', () => {
    const { courses, hsct, crs, relapse, carT } = twoCourses();
    expect(courses).toHaveLength(2);
    expect(courses[0]!.links).toEqual([
      {
        kind: 'hsct',
        timing: 'before',
        at: '2019-06-01',
        detail: 'allogeneic HSCT',
        evidence: [hsct.source],
      },
      { kind: 'toxicity', timing: 'during', at: '2020-01-03', detail: 'CRS grade 2', evidence: [crs.source] },
      {
        kind: 'relapse',
        timing: 'after',
        at: '2020-04-01',
        detail: 'marrow blasts 40% after remission',
        evidence: [relapse.source],
      },
      { kind: 'cd19-therapy', timing: 'after', at: '2020-05-01', detail: 'CAR-T', evidence: [carT.source] },
    ]);
  });

  it("ends a course's after-horizon at the next course: later events belong to the next course", () => {
    const { courses, icans } = twoCourses();
    expect(courses[0]!.links.some((l) => l.evidence[0]!.id === icans.source.id)).toBe(false);
    expect(courses[1]!.links.map((l) => [l.kind, l.timing])).toEqual([
      ['hsct', 'before'],
      ['toxicity', 'before'],
      ['relapse', 'before'],
      ['cd19-therapy', 'before'],
      ['toxicity', 'during'],
    ]);
  });

  it('links the B-ALL diagnosis charted before the course end as the reason', () => {
    const { courses } = twoCourses();
    expect(courses[0]!.diagnoses).toHaveLength(1);
  });

  it('does not call blasts ≥5% a relapse without a prior remission (refractory disease)', () => {
    const t = new Timeline();
    t.marrow('2019-12-20', 60);
    t.daily('2020-01-01', 28, { mcgPerDay: 28 });
    t.marrow('2020-01-29', 40);
    expect(assemble(t.events())[0]!.links).toEqual([]);
  });

  it('links coded relapse, extramedullary and myeloid disease without echoing charted text', () => {
    const t = new Timeline();
    t.diagnosis('2019-12-01', { relapse: true });
    t.daily('2020-01-01', 28, { mcgPerDay: 28 });
    t.extramedullary('2020-01-20', { myeloidSarcoma: true });
    t.myeloid('2020-01-20', 'myeloid-sarcoma');
    t.extramedullary('2020-01-21', { cnsStatus: 'CNS3' });
    const details = assemble(t.events())[0]!.links.map((l) => `${l.timing}:${l.detail}`);
    expect(details).toEqual([
      'before:diagnosis coded in relapse',
      'during:extramedullary disease (myeloid sarcoma)',
      'during:myeloid sarcoma',
      'during:extramedullary disease CNS3',
    ]);
  });
});
