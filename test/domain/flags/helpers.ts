import type { ClinicalEvent } from '../../../src/domain/events';
import type { Course, CourseFlag, FlagCode } from '../../../src/domain/course';
import { flagPatient, type FlagConfig } from '../../../src/domain/flags';

export function run(courses: Course[], events: ClinicalEvent[], config?: Partial<FlagConfig>): CourseFlag[] {
  return flagPatient(courses, events, config);
}

export function only(flags: CourseFlag[], code: FlagCode): CourseFlag[] {
  return flags.filter((f) => f.code === code);
}

export function keys(flags: CourseFlag[]): string[] {
  return flags.map((f) => `${f.courseId}:${f.code}:${f.episodeKey}`);
}

export function refs(...events: ClinicalEvent[]): string[] {
  return events.map((e) => `${e.source.resourceType}/${e.source.id}`).sort();
}

export function evidenceOf(flag: CourseFlag): string[] {
  return flag.evidence.map((r) => `${r.resourceType}/${r.id}`);
}
