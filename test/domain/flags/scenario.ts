/** A two-course patient exercising most rules at once, for engine-level properties. */
import type { ClinicalEvent } from '../../../src/domain/events';
import type { Course } from '../../../src/domain/course';
import {
  blood,
  cd19,
  count,
  dex,
  em,
  ev,
  ferritin,
  hsct,
  liver,
  marrow,
  mrd,
  response,
  standardCourse,
  temp,
  toci,
  tox,
} from './builders';

export function scenario(): { courses: Course[]; events: ClinicalEvent[] } {
  const cr = marrow('2015-03-08', 1);
  const a = standardCourse('2015-02-09', 3, { responses: [response('CR', '2015-03-08', [cr])] });
  const restartEvidence = a.infusions[1].source;
  a.course.toxicityRestarts = [
    { at: '2015-03-26', fromMcgPerDay: 28, toMcgPerDay: 9, evidence: [restartEvidence] },
  ];
  const b = standardCourse('2016-03-14', 1, { number: 2, id: 'course-2', ended: false });
  const events: ClinicalEvent[] = [
    ...a.infusions,
    ...b.infusions,
    marrow('2015-02-02', 68),
    em('2014-06-01', { cnsStatus: 'CNS3' }),
    cr,
    tox('2015-02-11T12:00:00Z', 'crs', 3),
    temp('2015-02-11T11:00:00Z', 39.3),
    toci('2015-02-11T16:00:00Z'),
    ev('VasopressorGiven', '2015-02-11T15:00:00Z', { agent: 'norepinephrine' }),
    mrd('2015-03-06', 0.0012),
    mrd('2015-04-17', 0.0004),
    ferritin('2015-03-24', 24600),
    count('2015-03-24', 'anc', 0.2),
    count('2015-03-24', 'platelets', 40),
    liver('2015-03-24', 'alt', 400, 50),
    dex('2015-03-24'),
    tox('2015-03-25', 'icans', 2),
    mrd('2015-06-01', 0),
    hsct('2015-07-01'),
    mrd('2015-10-01', 0.002),
    marrow('2016-02-22', 38),
    cd19('2016-02-22', 'dim'),
    blood('2016-02-22', 12),
    blood('2016-03-28', 71),
    em('2016-03-20', { myeloidSarcoma: true }),
    ev('MyeloidDisease', '2016-03-20', { form: 'myeloid-sarcoma' }),
    ev('Kmt2aRearrangement', '2014-06-01', { present: true }),
  ];
  return { courses: [a.course, b.course], events };
}
