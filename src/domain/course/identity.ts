/**
 * Course ids: stable for (patient, course number), valid FHIR ids ([A-Za-z0-9\-.]{1,64}).
 *
 * `course-<16 hex of sha256(patient)>-<number>`: namespaced patient ids can be long (source prefix plus a
 * 64-character local id), and flag ids are built on top of course ids, so the course id stays short and
 * the same length for every patient. 64 bits of hash make a collision between two patients negligible.
 */
import { createHash } from 'node:crypto';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function courseId(patient: string, courseNumber: number): string {
  if (!Number.isInteger(courseNumber) || courseNumber < 1) throw new RangeError('course number must be ≥ 1');
  const hash = createHash('sha256').update(patient, 'utf8').digest('hex').slice(0, 16);
  const id = `course-${hash}-${courseNumber}`;
  if (!FHIR_ID.test(id)) throw new RangeError('course id is not a valid FHIR id');
  return id;
}
