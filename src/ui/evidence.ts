/**
 * One line per evidence resource: type, id, version, clinical date and the value that mattered (an
 * Observation's value, an administration's rate, a Condition's or Procedure's code). Only coded and
 * quantitative elements are read: never names, notes or narrative text.
 */
import type { Resource } from '@medplum/fhirtypes';

export interface EvidenceLine {
  /** `Type/id` as referenced by the flag. */
  reference: string;
  type: string;
  id: string;
  version?: string;
  date?: string;
  value?: string;
  /** False when the referenced resource is not (or no longer) stored. */
  found: boolean;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function codeText(cc: unknown): string | undefined {
  const c = obj(cc);
  const coding = Array.isArray(c?.coding) ? (c.coding as Json[]) : [];
  const first = coding.find((x) => str(x.display)) ?? coding[0];
  if (!first) return undefined;
  return (
    str(first.display) ?? [str(first.system)?.split('/').pop(), str(first.code)].filter(Boolean).join(' ')
  );
}

function quantityText(q: unknown): string | undefined {
  const v = obj(q);
  if (!v || typeof v.value !== 'number') return undefined;
  return `${str(v.comparator) ?? ''}${v.value} ${str(v.unit) ?? str(v.code) ?? ''}`.trim();
}

function clinicalDate(r: Json): string | undefined {
  const period = (k: string) => str(obj(r[k])?.start);
  return (
    str(r.effectiveDateTime) ??
    period('effectivePeriod') ??
    str(r.occurrenceDateTime) ??
    str(r.performedDateTime) ??
    period('performedPeriod') ??
    str(r.onsetDateTime) ??
    str(r.recordedDate) ??
    str(r.issued) ??
    str(r.date)
  );
}

function valueOf(r: Json): string | undefined {
  const type = str(r.resourceType);
  const concept = codeText(r.code) ?? codeText(r.medicationCodeableConcept);
  if (type === 'Observation') {
    const value =
      quantityText(r.valueQuantity) ??
      codeText(r.valueCodeableConcept) ??
      (typeof r.valueBoolean === 'boolean' ? String(r.valueBoolean) : undefined) ??
      (typeof r.valueInteger === 'number' ? String(r.valueInteger) : undefined);
    return [concept, value].filter(Boolean).join(': ') || undefined;
  }
  if (type === 'MedicationAdministration') {
    const dosage = obj(r.dosage);
    const rate = quantityText(dosage?.rateQuantity) ?? quantityText(dosage?.dose);
    const status = str(r.status);
    return (
      [concept, rate, status && status !== 'completed' ? status : undefined].filter(Boolean).join(', ') ||
      undefined
    );
  }
  if (type === 'AdverseEvent') return codeText(r.event) ?? concept;
  return concept;
}

export function describeEvidence(
  reference: string,
  stored?: { resource: Resource; versionId?: string },
): EvidenceLine {
  const [type, ...rest] = reference.split('/');
  const id = rest.join('/');
  if (!stored) return { reference, type, id, found: false };
  const r = stored.resource as unknown as Json;
  const date = clinicalDate(r);
  const value = valueOf(r);
  return {
    reference,
    type,
    id,
    ...(stored.versionId ? { version: stored.versionId } : {}),
    ...(date ? { date } : {}),
    ...(value ? { value: value.slice(0, 160) } : {}),
    found: true,
  };
}
