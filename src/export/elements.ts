/**
 * `_elements` for Bulk export: keep only the listed top-level elements (plus `resourceType`, `id`
 * and `meta`) and tag the resource SUBSETTED, as FHIR requires of a partial resource. An element
 * may be scoped to one type (`DetectedIssue.code`); unscoped names apply to every type.
 */
import type { Resource } from '@medplum/fhirtypes';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

export function elementsFor(elements: string[], type: string): Set<string> | undefined {
  const keep = new Set<string>();
  for (const e of elements) {
    const dot = e.indexOf('.');
    if (dot < 0) keep.add(e);
    else if (e.slice(0, dot) === type) keep.add(e.slice(dot + 1));
  }
  return keep.size ? keep : undefined;
}

/** The resource cut to `elements` (`value[x]` keeps every `valueXxx`); unchanged when none apply. */
export function subset(r: Resource, elements: string[]): Resource {
  const keep = elementsFor(elements, r.resourceType);
  if (!keep) return r;
  const choice = [...keep].filter((k) => k.endsWith('[x]')).map((k) => k.slice(0, -3));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r))
    if (
      ALWAYS.has(k) ||
      keep.has(k) ||
      choice.some((c) => k.startsWith(c) && /^[A-Z]/.test(k.slice(c.length)))
    )
      out[k] = v;
  const meta = { ...(r.meta ?? {}) };
  meta.tag = [...(meta.tag ?? []).filter((t) => t.code !== SUBSETTED.code), SUBSETTED];
  out.meta = meta;
  return out as unknown as Resource;
}
