/**
 * Reads what the pages show through the store's read APIs (read only), with the source's visibility
 * rule: a patient of another source is indistinguishable from an absent one.
 */
import type { DetectedIssue, MedicationStatement, Resource } from '@medplum/fhirtypes';
import { belongsTo, namespacedId, sourceOf } from '../identity';
import { readVisible } from '../search/read';
import type { StoredResource, Store } from '../store/store';
import { describeEvidence, type EvidenceLine } from './evidence';
import { parseCourse, parseFlag, type CourseView, type FlagView } from './model';
import type { DatedRef } from './timeline-layout';

export interface PatientData {
  patient: string;
  courses: CourseView[];
  flags: FlagView[];
  diagnoses: DatedRef[];
  evidence: Map<string, EvidenceLine[]>;
}

function outputsOf(stored: Iterable<StoredResource>): { courses: CourseView[]; flags: FlagView[] } {
  const courses: CourseView[] = [];
  const flags: FlagView[] = [];
  for (const r of stored) {
    if (r.resource.resourceType === 'MedicationStatement')
      courses.push(parseCourse(r.resource as MedicationStatement));
    else if (r.resource.resourceType === 'DetectedIssue') flags.push(parseFlag(r.resource as DetectedIssue));
  }
  return { courses, flags };
}

/** The namespaced patient id for an id given namespaced or as the source sent it; undefined if not visible. */
export async function resolvePatient(store: Store, source: string, id: string): Promise<string | undefined> {
  const candidates = belongsTo(id, source) ? [id] : [namespacedId(source, id)];
  for (const cand of candidates) {
    if (!belongsTo(cand, source)) continue;
    const patient = await readVisible(store, source, 'Patient', cand);
    if (patient) return cand;
    if ((await store.currentOutputs(cand)).size > 0) return cand;
  }
  return undefined;
}

const conditionDate = (r: Resource): string | undefined => {
  const c = r as { onsetDateTime?: string; recordedDate?: string; onsetPeriod?: { start?: string } };
  return c.onsetDateTime ?? c.onsetPeriod?.start ?? c.recordedDate;
};

export async function loadPatient(store: Store, source: string, patient: string): Promise<PatientData> {
  const { courses, flags } = outputsOf((await store.currentOutputs(patient)).values());
  const refs = new Set<string>([...flags.flatMap((f) => f.evidence), ...courses.flatMap((c) => c.diagnoses)]);
  const resolved = new Map<string, StoredResource | undefined>();
  await Promise.all(
    [...refs].map(async (ref) => {
      const [type, ...rest] = ref.split('/');
      resolved.set(ref, await readVisible(store, source, type, rest.join('/')));
    }),
  );
  const evidence = new Map(
    flags.map((f) => [f.id, f.evidence.map((ref) => describeEvidence(ref, resolved.get(ref)))]),
  );
  const diagnoses: DatedRef[] = [];
  for (const ref of new Set(courses.flatMap((c) => c.diagnoses))) {
    const r = resolved.get(ref);
    const at = r ? conditionDate(r.resource) : undefined;
    if (at) diagnoses.push({ reference: ref, at, label: describeEvidence(ref, r).value });
  }
  return { patient, courses, flags, diagnoses, evidence };
}

export interface CohortData {
  courses: CourseView[];
  flags: FlagView[];
}

/** Every course and flag of the source's patients, read a batch of patients at a time. */
export async function loadCohort(store: Store, source: string, batch = 50): Promise<CohortData> {
  const patients: string[] = [];
  for await (const p of store.patients()) if (belongsTo(p, source)) patients.push(p);
  patients.sort();
  const out: CohortData = { courses: [], flags: [] };
  for (let i = 0; i < patients.length; i += batch) {
    const maps = await Promise.all(patients.slice(i, i + batch).map((p) => store.currentOutputs(p)));
    for (const m of maps) {
      const { courses, flags } = outputsOf(m.values());
      out.courses.push(...courses);
      out.flags.push(...flags);
    }
  }
  return out;
}

/** The sources that have patients (the admin's chooser). */
export async function listSources(store: Store): Promise<string[]> {
  const sources = new Set<string>();
  for await (const p of store.patients()) sources.add(sourceOf(p));
  return [...sources].filter(Boolean).sort();
}
