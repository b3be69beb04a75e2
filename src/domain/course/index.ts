/** Course assembly and its FHIR rendering: the public surface of src/domain/course. */
export { assemble } from './assemble';
export { renderCourse, COURSE_PROFILE, COURSE_IDENTIFIER_SYSTEM } from './render';
export { courseId } from './identity';
export {
  DEFAULT_ASSEMBLY_CONFIG,
  withDefaults,
  freeIntervalAfter,
  type AssemblyConfig,
  type AssemblyConfigOverrides,
  type DoseRate,
} from './config';
export { mrdResponse } from './response';
export { timingOf } from './links';
export { calendarDay, compareCharted } from './patient-events';
