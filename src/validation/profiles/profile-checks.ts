/**
 * Start-up checks of profiles/: every file is a valid FHIR R4 StructureDefinition, CodeSystem or
 * ValueSet (or a JSON Schema named *.schema.json); canonical URLs are unique and match the ids;
 * StructureDefinitions carry a snapshot; every extension, ValueSet and CodeSystem one of our
 * definitions points to exists; invariants parse. Any problem throws a ProfilesError.
 */
import { parseFhirPath } from '@medplum/core';
import type { CodeSystem, ElementDefinition, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { isError } from '../issues';
import { validateResource } from '../validate-resource';
import { ProfilesError } from './profiles-error';
import { conceptsOf } from './value-set-expansion';

export { ProfilesError };

export interface ProfileFile {
  name: string;
  json: unknown;
}

export interface CheckedProfiles {
  structureDefinitions: Map<string, StructureDefinition>;
  codeSystems: Map<string, CodeSystem>;
  valueSets: Map<string, ValueSet>;
  jsonSchemas: { name: string; schema: Record<string, unknown> }[];
}

type Canonical = StructureDefinition | CodeSystem | ValueSet;

/** Our canonical URLs share the prefix before `/StructureDefinition/`, `/CodeSystem/`, `/ValueSet/`. */
const OWN_URL = /^(.*)\/(StructureDefinition|CodeSystem|ValueSet)\/([A-Za-z0-9\-.]{1,64})$/;

function checkCanonical(name: string, r: Canonical, seen: Map<string, string>): string {
  const issues = validateResource(r).filter(isError);
  if (issues.length > 0) {
    const first = issues.slice(0, 3).map((i) => `${i.expression?.[0] ?? ''} ${i.diagnostics ?? ''}`);
    throw new ProfilesError(name, `not a valid FHIR R4 ${r.resourceType}: ${first.join('; ')}`);
  }
  const m = r.url ? OWN_URL.exec(r.url) : null;
  if (!r.url || !m || m[2] !== r.resourceType || m[3] !== r.id) {
    throw new ProfilesError(name, `url must be <base>/${r.resourceType}/<id> (id ${r.id ?? 'missing'})`);
  }
  const previous = seen.get(r.url);
  if (previous) throw new ProfilesError(name, `url ${r.url} is also defined in ${previous}`);
  seen.set(r.url, name);
  return m[1];
}

function checkSnapshot(name: string, sd: StructureDefinition): ElementDefinition[] {
  const elements = sd.snapshot?.element ?? [];
  if (elements.length === 0) throw new ProfilesError(name, 'StructureDefinition has no snapshot');
  if (!sd.differential?.element?.length)
    throw new ProfilesError(name, 'StructureDefinition has no differential');
  if (elements[0].id !== sd.type)
    throw new ProfilesError(name, `snapshot must start with ${sd.type ?? 'its type'}`);
  const ids = new Set<string>();
  for (const e of elements) {
    if (!e.id || !e.path) throw new ProfilesError(name, 'snapshot element without id or path');
    if (ids.has(e.id)) throw new ProfilesError(name, `snapshot element ${e.id} appears twice`);
    ids.add(e.id);
  }
  for (const d of sd.differential.element) {
    if (!d.id || !ids.has(d.id))
      throw new ProfilesError(name, `differential element ${d.id ?? '?'} not in the snapshot`);
  }
  return elements;
}

/** Invariant keys are unique per element and every expression parses; returns the distinct expressions. */
function checkConstraints(name: string, elements: ElementDefinition[]): string[] {
  const expressions = new Set<string>();
  for (const e of elements) {
    const keys = new Set<string>();
    for (const c of e.constraint ?? []) {
      if (!c.key || !c.expression || !c.human || !c.severity) {
        throw new ProfilesError(
          name,
          `invariant ${c.key ?? '?'} on ${e.id} needs key, severity, human and expression`,
        );
      }
      if (keys.has(c.key)) throw new ProfilesError(name, `invariant key ${c.key} used twice on ${e.id}`);
      keys.add(c.key);
      expressions.add(c.expression);
    }
  }
  for (const expr of expressions) {
    try {
      parseFhirPath(expr);
    } catch {
      throw new ProfilesError(name, `invariant is not valid FHIRPath: ${expr.slice(0, 80)}`);
    }
  }
  return [...expressions];
}

/** Every reference from one of our SDs to one of our canonicals must resolve. */
function checkReferences(
  name: string,
  base: string,
  elements: ElementDefinition[],
  all: CheckedProfiles,
): void {
  const ours = (url: string): boolean => url.startsWith(`${base}/`);
  const mustExist = (url: string, what: string, ok: boolean): void => {
    if (ours(url) && !ok) throw new ProfilesError(name, `${what} ${url} is not defined in profiles/`);
  };
  for (const e of elements) {
    for (const t of e.type ?? []) {
      for (const p of t.profile ?? []) {
        mustExist(p, 'extension', all.structureDefinitions.get(p)?.type === t.code);
      }
    }
    if (e.binding?.valueSet) mustExist(e.binding.valueSet, 'ValueSet', all.valueSets.has(e.binding.valueSet));
    if (e.path.endsWith('.url') && e.fixedUri)
      mustExist(e.fixedUri, 'extension', all.structureDefinitions.has(e.fixedUri));
  }
  for (const expr of checkConstraints(name, elements)) {
    for (const [, url] of expr.matchAll(/'([^']+\/StructureDefinition\/[^']+)'/g)) {
      mustExist(url, 'extension used by an invariant', all.structureDefinitions.has(url));
    }
    for (const [, url] of expr.matchAll(/'([^']+\/CodeSystem\/[^']+)'/g)) {
      mustExist(url, 'CodeSystem used by an invariant', all.codeSystems.has(url));
    }
  }
}

function checkCodeSystem(name: string, cs: CodeSystem, all: CheckedProfiles): void {
  if (cs.content !== 'complete') throw new ProfilesError(name, 'CodeSystem content must be complete');
  const flat: { code?: string; display?: string; definition?: string }[] = [];
  const walk = (cs.concept ?? []).slice();
  while (walk.length) {
    const c = walk.shift() as NonNullable<CodeSystem['concept']>[number];
    flat.push(c);
    walk.push(...(c.concept ?? []));
  }
  if (flat.length === 0) throw new ProfilesError(name, 'CodeSystem has no concepts');
  if (conceptsOf(cs).size !== flat.length) throw new ProfilesError(name, 'CodeSystem has duplicate codes');
  const incomplete = flat.find((c) => !c.display || !c.definition);
  if (incomplete)
    throw new ProfilesError(name, `concept ${incomplete.code} needs a display and a definition`);
  if (cs.count !== undefined && cs.count !== flat.length)
    throw new ProfilesError(name, `count is ${cs.count}, not ${flat.length}`);
  if (cs.valueSet && !all.valueSets.has(cs.valueSet))
    throw new ProfilesError(name, `ValueSet ${cs.valueSet} is not defined`);
}

export function checkProfiles(files: ProfileFile[]): CheckedProfiles {
  const all: CheckedProfiles = {
    structureDefinitions: new Map(),
    codeSystems: new Map(),
    valueSets: new Map(),
    jsonSchemas: [],
  };
  const seen = new Map<string, string>();
  const byUrl = new Map<string, { name: string; base: string }>();
  for (const { name, json } of files) {
    const r = json as Partial<Canonical> & { $schema?: unknown };
    if (json === null || typeof json !== 'object' || Array.isArray(json))
      throw new ProfilesError(name, 'not a JSON object');
    if (typeof r.$schema === 'string' && name.endsWith('.schema.json')) {
      if (typeof (r as { $id?: unknown }).$id !== 'string')
        throw new ProfilesError(name, 'JSON Schema needs an $id');
      all.jsonSchemas.push({ name, schema: json as Record<string, unknown> });
      continue;
    }
    if (
      r.resourceType !== 'StructureDefinition' &&
      r.resourceType !== 'CodeSystem' &&
      r.resourceType !== 'ValueSet'
    ) {
      throw new ProfilesError(
        name,
        'not a StructureDefinition, CodeSystem, ValueSet or *.schema.json JSON Schema',
      );
    }
    const base = checkCanonical(name, r as Canonical, seen);
    byUrl.set(r.url as string, { name, base });
    if (r.resourceType === 'StructureDefinition')
      all.structureDefinitions.set(r.url as string, r as StructureDefinition);
    if (r.resourceType === 'CodeSystem') all.codeSystems.set(r.url as string, r as CodeSystem);
    if (r.resourceType === 'ValueSet') all.valueSets.set(r.url as string, r as ValueSet);
  }
  for (const [url, sd] of all.structureDefinitions) {
    const { name, base } = byUrl.get(url) as { name: string; base: string };
    checkReferences(name, base, checkSnapshot(name, sd), all);
  }
  for (const [url, cs] of all.codeSystems)
    checkCodeSystem((byUrl.get(url) as { name: string }).name, cs, all);
  for (const [url, vs] of all.valueSets) {
    for (const inc of vs.compose?.include ?? []) {
      if (!inc.system || !all.codeSystems.has(inc.system)) {
        throw new ProfilesError(
          (byUrl.get(url) as { name: string }).name,
          `includes unknown CodeSystem ${inc.system ?? '(none)'}`,
        );
      }
    }
  }
  return all;
}
