/**
 * JSON shape rules of https://hl7.org/fhir/R4/json.html: arrays are never empty ("if an element has
 * no values it SHALL be omitted"), objects are never empty (ele-1: a value or children), and `null`
 * appears only inside the `_name` arrays of primitive extensions, as a placeholder.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { safeElementName } from '../fhirpath-expression';
import { issue } from '../issues';

/** Every problem with its location, walking the JSON without recursion. */
export function jsonShapeIssues(resource: unknown, rootPath: string): OperationOutcomeIssue[] {
  const out: OperationOutcomeIssue[] = [];
  const stack: [unknown, string, boolean][] = [[resource, rootPath, false]];
  while (stack.length > 0) {
    const [node, path, inPrimitiveExtensions] = stack.pop() as [unknown, string, boolean];
    if (Array.isArray(node)) {
      if (node.length === 0) out.push(issue('error', 'structure', 'Arrays SHALL NOT be empty', path));
      node.forEach((item, i) => {
        if (item === null && !inPrimitiveExtensions) {
          out.push(
            issue(
              'error',
              'structure',
              'null is only allowed in primitive extension arrays',
              `${path}[${i}]`,
            ),
          );
        } else stack.push([item, `${path}[${i}]`, false]);
      });
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      if (entries.length === 0) out.push(issue('error', 'structure', 'Objects SHALL NOT be empty', path));
      for (const [key, value] of entries) {
        const at = `${path}.${safeElementName(key)}`;
        if (value === null) out.push(issue('error', 'structure', 'null is not a FHIR value', at));
        else stack.push([value, at, key.startsWith('_')]);
      }
    }
  }
  return out;
}
