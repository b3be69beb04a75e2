import { assemble } from '../../../src/domain/course/index';
import { Timeline } from './builders';

const R28 = { mcgPerDay: 28 };

describe('course status and end reason (as of the latest event in the data)', () => {
  it('is completed when the last cycle reached 28 infusion days', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 28, R28);
    t.marrow('2020-06-01', 1);
    const [course] = assemble(t.events());
    expect(course).toMatchObject({
      status: 'completed',
      endReason: 'completed',
      end: '2020-01-29T08:00:00Z',
    });
  });

  it('is active while the data ends within the free interval after the last infusion day', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 28, R28);
    t.count('2020-02-11', 'platelets', 150); // 14 days after the last infusion day (2020-01-28)
    const [active] = assemble(t.events());
    expect(active!.status).toBe('active');
    expect(active!.endReason).toBeUndefined();
    expect(active!.end).toBeUndefined();
    t.count('2020-02-12', 'platelets', 150);
    expect(assemble(t.events())[0]).toMatchObject({ status: 'completed', endReason: 'completed' });
  });

  it('is not active once an HSCT follows the last infusion', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 28, R28);
    t.hsct('2020-02-05');
    expect(assemble(t.events())[0]).toMatchObject({ status: 'completed', endReason: 'hsct' });
  });

  it('ends with hsct, stopped, when an incomplete course bridges to transplant', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 14, R28);
    t.toxicity('2020-01-05', 'crs', 1);
    t.hsct('2020-03-01');
    expect(assemble(t.events())[0]).toMatchObject({ status: 'stopped', endReason: 'hsct' });
  });

  it('does not call an HSCT beyond the free interval + margin the end reason', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 28, R28);
    t.hsct('2020-07-01');
    expect(assemble(t.events())[0]!.endReason).toBe('completed');
  });

  it('ends with toxicity when stopped early with a toxicity in the last cycle', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 10, R28);
    t.toxicity('2020-01-09', 'icans', 3);
    t.marrow('2020-04-01', 1);
    expect(assemble(t.events())[0]).toMatchObject({ status: 'stopped', endReason: 'toxicity' });
  });

  it('ends with progression when stopped early with peripheral blasts at the stop (seed 002 re-treatment)', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 14, R28);
    t.peripheralBlasts('2020-01-14', 71);
    t.count('2020-04-01', 'wbc', 74.4);
    expect(assemble(t.events())[0]).toMatchObject({ status: 'stopped', endReason: 'progression' });
  });

  it('ends with progression, not toxicity, when the last cycle had no response', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 20, R28);
    t.toxicity('2020-01-03', 'crs', 2);
    t.marrow('2020-01-22', 40);
    t.count('2020-04-01', 'wbc', 10);
    expect(assemble(t.events())[0]).toMatchObject({ endReason: 'progression' });
    expect(assemble(t.events())[0]!.cycles[0]!.response.category).toBe('no-response');
  });

  it('ends with progression on relapse evidence in the last cycle', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 20, R28);
    t.myeloid('2020-01-20', 'myeloid-sarcoma');
    t.count('2020-04-01', 'wbc', 10);
    expect(assemble(t.events())[0]!.endReason).toBe('progression');
  });

  it('ends with unknown when stopped early without a reason in the data', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 14, R28);
    t.marrow('2020-04-01', 1);
    expect(assemble(t.events())[0]).toMatchObject({ status: 'stopped', endReason: 'unknown' });
  });

  it('never leaves an earlier course active', () => {
    const t = new Timeline();
    t.daily('2020-01-01', 14, R28);
    t.diagnosis('2020-02-20', { relapse: true });
    t.daily('2020-02-25', 3, R28);
    const courses = assemble(t.events());
    expect(courses.map((c) => c.status)).toEqual(['stopped', 'active']);
    // the relapse came 37 days after the stop, outside the 7-day stop window: not the reason it stopped
    expect(courses[0]!.endReason).toBe('unknown');
  });
});
