/**
 * CourseFlag → FHIR DetectedIssue, profile `course-flag` (profiles/README.md, "The flag").
 * JSON-clean: optional elements are left out, never set to undefined.
 */
import type { DetectedIssue, Extension } from '@medplum/fhirtypes';
import type { CourseFlag, FlagCode } from '../course';
import { refToReference } from '../source-ref';
import { withdrawn } from '../withdraw';
import courseFlagCodeSystem from '../../../profiles/CodeSystem-course-flag.json';

export const FHIR_BASE = 'http://bitebridge.dev/fhir';
export const COURSE_FLAG_PROFILE = `${FHIR_BASE}/StructureDefinition/course-flag`;
export const COURSE_FLAG_CODE_SYSTEM = `${FHIR_BASE}/CodeSystem/course-flag`;
export const COURSE_FLAG_IDENTIFIER_SYSTEM = `${FHIR_BASE}/sid/course-flag`;
export const FLAG_GRADE_EXTENSION = `${FHIR_BASE}/StructureDefinition/flag-grade`;
export const FLAG_EPISODE_EXTENSION = `${FHIR_BASE}/StructureDefinition/flag-episode`;

/** Every flag code, for run-time checks; the `satisfies` and the check below keep it equal to FlagCode. */
export const FLAG_CODES = [
  'mrd-persistent',
  'molecular-relapse',
  'hematologic-relapse',
  'refractory',
  'extramedullary-relapse',
  'cd19-negative-relapse',
  'cd19-dim-relapse',
  'lineage-switch',
  'post-hsct-relapse',
  'crs',
  'icans',
  'hlh-mas',
  'treatment-interruption',
  'toxicity-restart',
  'hepatotoxicity',
  'high-disease-burden',
  'prior-extramedullary-disease',
] as const satisfies readonly FlagCode[];
type Uncovered = Exclude<FlagCode, (typeof FLAG_CODES)[number]>;
const allCovered: Uncovered extends never ? true : never = true;

/**
 * Displays come from the CodeSystem in profiles/ (the data the output validator checks against), so
 * a renamed display is a data change. A flag code missing there stops start-up.
 */
export const FLAG_DISPLAY: Readonly<Record<FlagCode, string>> = (() => {
  const byCode = new Map((courseFlagCodeSystem.concept ?? []).map((c) => [c.code, c.display]));
  const missing = FLAG_CODES.filter((code) => typeof byCode.get(code) !== 'string');
  if (!allCovered || missing.length > 0) {
    throw new Error(`CodeSystem course-flag lacks a display for: ${missing.join(', ')}`);
  }
  return Object.fromEntries(FLAG_CODES.map((code) => [code, byCode.get(code) as string])) as Record<
    FlagCode,
    string
  >;
})();

export function renderFlag(flag: CourseFlag): DetectedIssue {
  const extension: Extension[] = [];
  if (flag.grade !== undefined) extension.push({ url: FLAG_GRADE_EXTENSION, valuePositiveInt: flag.grade });
  extension.push({ url: FLAG_EPISODE_EXTENSION, valueString: flag.episodeKey });
  return {
    resourceType: 'DetectedIssue',
    id: flag.id,
    meta: { profile: [COURSE_FLAG_PROFILE] },
    extension,
    identifier: [{ system: COURSE_FLAG_IDENTIFIER_SYSTEM, value: flag.id }],
    status: 'final',
    code: {
      coding: [{ system: COURSE_FLAG_CODE_SYSTEM, code: flag.code, display: FLAG_DISPLAY[flag.code] }],
    },
    severity: flag.severity,
    patient: { reference: `Patient/${flag.patient}` },
    identifiedDateTime: flag.identifiedAt,
    implicated: [{ reference: `MedicationStatement/${flag.courseId}` }],
    evidence: [{ detail: flag.evidence.map(refToReference) }],
    detail: flag.detail,
  };
}

/**
 * A stored flag that recomputation no longer produces: the same resource with status
 * `entered-in-error` (see src/domain/withdraw.ts); the store gives it a new version.
 */
export function withdrawnFlag(previous: DetectedIssue): DetectedIssue {
  return withdrawn(previous) as DetectedIssue;
}
