/**
 * Expansion of our ValueSets from our CodeSystems (no terminology server: every included system is
 * one of ours, complete, and loaded from profiles/).
 */
import type { CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import { ProfilesError } from './profiles-error';

/** system → code → display */
export type ValueSetExpansion = ReadonlyMap<string, ReadonlyMap<string, string | undefined>>;

export function conceptsOf(cs: CodeSystem): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  const walk = (concepts: CodeSystemConcept[] | undefined): void => {
    for (const c of concepts ?? []) {
      if (c.code !== undefined) out.set(c.code, c.display);
      walk(c.concept);
    }
  };
  walk(cs.concept);
  return out;
}

export function expandValueSets(
  valueSets: ReadonlyMap<string, ValueSet>,
  codeSystems: ReadonlyMap<string, CodeSystem>,
): Map<string, ValueSetExpansion> {
  const expansions = new Map<string, ValueSetExpansion>();
  for (const [url, vs] of valueSets) {
    const bySystem = new Map<string, Map<string, string | undefined>>();
    for (const inc of vs.compose?.include ?? []) {
      const cs = inc.system ? codeSystems.get(inc.system) : undefined;
      if (!cs || !inc.system)
        throw new ProfilesError(url, `includes unknown CodeSystem ${inc.system ?? '(none)'}`);
      const all = conceptsOf(cs);
      const codes = bySystem.get(inc.system) ?? new Map<string, string | undefined>();
      if (inc.concept?.length) {
        for (const c of inc.concept) {
          if (!all.has(c.code as string))
            throw new ProfilesError(url, `includes unknown code ${inc.system}#${c.code}`);
          codes.set(c.code as string, all.get(c.code as string));
        }
      } else {
        for (const [code, display] of all) codes.set(code, display);
      }
      bySystem.set(inc.system, codes);
    }
    expansions.set(url, bySystem);
  }
  return expansions;
}
