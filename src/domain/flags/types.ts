/**
 * The flag engine's contracts (clinical-rules.md §3).
 *
 * A rule reads one course plus the patient's whole event timeline and returns findings; the engine
 * (index.ts) turns findings into `CourseFlag`s with stable ids. Rules are pure: the same course and
 * events, in any order, give the same findings.
 */
import type { ClinicalEvent } from '../events';
import type { Course, CourseFlag, FlagCode, FlagSeverity } from '../course';
import type { SourceRef } from '../source-ref';
import type { FlagConfig } from './config';

export interface FlagContext {
  /** All of the patient's events, de-duplicated by eventId. */
  events: readonly ClinicalEvent[];
  /** All of the patient's courses (a relapse after course n belongs to course n until course n+1 starts). */
  courses: readonly Course[];
  config: FlagConfig;
}

/** Context of second-pass rules: the flags already raised for the patient (all courses). */
export interface DependentFlagContext extends FlagContext {
  flags: readonly CourseFlag[];
}

/** What a rule found; the engine adds id, patient and courseId. */
export interface FlagFinding {
  code: FlagCode;
  severity: FlagSeverity;
  identifiedAt: string;
  detail: string;
  grade?: number;
  /** Identifies the episode within the course; part of the flag's stable id. */
  episodeKey: string;
  /** Never empty: the engine drops a finding without evidence. */
  evidence: SourceRef[];
}

export type FlagRule = (course: Course, ctx: FlagContext) => FlagFinding[];
export type DependentFlagRule = (course: Course, ctx: DependentFlagContext) => FlagFinding[];
