/**
 * CourseFlag → FHIR DetectedIssue, profile `course-flag` (profiles/README.md, "The flag").
 * JSON-clean: optional elements are left out, never set to undefined.
 */
import type { DetectedIssue, Extension } from '@medplum/fhirtypes';
import type { CourseFlag, FlagCode } from '../course';
import { refToReference } from '../source-ref';

export const FHIR_BASE = 'http://bitebridge.dev/fhir';
export const COURSE_FLAG_PROFILE = `${FHIR_BASE}/StructureDefinition/course-flag`;
export const COURSE_FLAG_CODE_SYSTEM = `${FHIR_BASE}/CodeSystem/course-flag`;
export const COURSE_FLAG_IDENTIFIER_SYSTEM = `${FHIR_BASE}/sid/course-flag`;
export const FLAG_GRADE_EXTENSION = `${FHIR_BASE}/StructureDefinition/flag-grade`;
export const FLAG_EPISODE_EXTENSION = `${FHIR_BASE}/StructureDefinition/flag-episode`;

export const FLAG_DISPLAY: Readonly<Record<FlagCode, string>> = {
  'mrd-persistent': 'MRD persistence',
  'molecular-relapse': 'Molecular relapse (MRD conversion)',
  'hematologic-relapse': 'Hematologic relapse after response',
  refractory: 'Refractory disease',
  'extramedullary-relapse': 'Extramedullary relapse',
  'cd19-negative-relapse': 'CD19-negative relapse',
  'cd19-dim-relapse': 'CD19-dim relapse',
  'lineage-switch': 'Lineage switch (myeloid relapse)',
  'post-hsct-relapse': 'Relapse after HSCT',
  crs: 'Cytokine release syndrome',
  icans: 'Immune effector cell-associated neurotoxicity syndrome',
  'hlh-mas': 'HLH / macrophage activation syndrome',
  'treatment-interruption': 'Treatment interruption',
  'toxicity-restart': 'Restart at step dose after toxicity',
  hepatotoxicity: 'Hepatotoxicity',
  'high-disease-burden': 'High disease burden at start',
  'prior-extramedullary-disease': 'Prior extramedullary disease',
};

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
 * `entered-in-error` (the store gives it a new version). Content is otherwise kept, so the
 * registry sees what was withdrawn; `meta.versionId` / `lastUpdated` are the store's to set.
 */
export function withdrawnFlag(previous: DetectedIssue): DetectedIssue {
  const { meta, ...rest } = previous;
  const withdrawn: DetectedIssue = { ...rest, status: 'entered-in-error' };
  if (meta?.profile) withdrawn.meta = { profile: [...meta.profile] };
  return withdrawn;
}
