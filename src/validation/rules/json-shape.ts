/**
 * JSON shape rules of https://hl7.org/fhir/R4/json.html: arrays are never empty ("if an element has
 * no values it SHALL be omitted"), objects are never empty (ele-1: a value or children), and `null`
 * appears only inside the `_name` arrays of primitive extensions, as a placeholder.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { spellSteps } from '../fhirpath-expression';
import { issue } from '../issues';

/** Where a value sits: its parent's place and its key or index; spelled only for an issue. */
interface Place {
  parent?: Place;
  step: string | number;
}

function spell(place: Place, rootPath: string): string {
  const steps: Array<string | number> = [];
  for (let p: Place | undefined = place; p?.parent; p = p.parent) steps.push(p.step);
  return spellSteps(rootPath, steps.reverse());
}

/**
 * Every problem with its location, walking the JSON without recursion. Locations are spelled only
 * for the problems found (spelling one for every value was most of this walk's time).
 */
export function jsonShapeIssues(resource: unknown, rootPath: string): OperationOutcomeIssue[] {
  const out: OperationOutcomeIssue[] = [];
  const root: Place = { step: '' };
  const stack: [unknown, Place, boolean][] = [[resource, root, false]];
  while (stack.length > 0) {
    const [node, place, inPrimitiveExtensions] = stack.pop() as [unknown, Place, boolean];
    if (Array.isArray(node)) {
      if (node.length === 0)
        out.push(issue('error', 'structure', 'Arrays SHALL NOT be empty', spell(place, rootPath)));
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        // A place only for an item that needs one (most array items here are primitives or objects).
        if (item === null && !inPrimitiveExtensions) {
          out.push(
            issue(
              'error',
              'structure',
              'null is only allowed in primitive extension arrays',
              spell({ parent: place, step: i }, rootPath),
            ),
          );
        } else if (item !== null && typeof item === 'object')
          stack.push([item, { parent: place, step: i }, false]);
      }
    } else if (node !== null && typeof node === 'object') {
      // for…in (own keys, in Object.keys order): no key list per object of every resource.
      let empty = true;
      for (const key in node) {
        if (!Object.hasOwn(node, key)) continue;
        empty = false;
        const value = (node as Record<string, unknown>)[key];
        if (value === null) {
          const at = spell({ parent: place, step: key }, rootPath);
          out.push(issue('error', 'structure', 'null is not a FHIR value', at));
        } else if (typeof value === 'object') {
          stack.push([value, { parent: place, step: key }, key.startsWith('_')]);
        }
      }
      // After the loop: an empty object had no key to report on, so the issues come in the same order.
      if (empty) out.push(issue('error', 'structure', 'Objects SHALL NOT be empty', spell(place, rootPath)));
    }
  }
  return out;
}
