/**
 * FHIR R4 rules the structure validators miss, each in its own file with its spec reference.
 * `checkFhirRules(resource)` runs the per-resource ones (inputs and our own outputs alike); Bundle
 * integrity is `bundleIntegrityIssues` (per Bundle type).
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { uniqueIssues } from '../issues';
import { attachmentIssues } from './attachment';
import { choiceIssues } from './choice-exclusivity';
import { closedSlicingIssues } from './closed-extension-slicing';
import { codedBindingIssues } from './coded-bindings';
import { dataTypeInvariantIssues } from './datatype-invariants';
import { extensionIssues } from './extensions';
import { jsonShapeIssues } from './json-shape';
import { walkTyped, type TypedNode } from './typed-walk';
import { narrativeIssues } from './xhtml';

const NODE_RULES: ((node: TypedNode) => readonly OperationOutcomeIssue[])[] = [
  dataTypeInvariantIssues,
  choiceIssues,
  codedBindingIssues,
  extensionIssues,
  narrativeIssues,
  attachmentIssues,
  closedSlicingIssues,
];

/**
 * Issues (errors and warnings) of one resource, expressions from its type (`Observation.effectivePeriod`).
 * Expects a JSON object with a known resourceType, nested within validateResource's depth limit.
 */
export function checkFhirRules(resource: { resourceType: string }): OperationOutcomeIssue[] {
  const root = resource as unknown as Record<string, unknown>;
  const out: OperationOutcomeIssue[] = jsonShapeIssues(root, resource.resourceType);
  walkTyped(root, resource.resourceType, (node) => {
    for (const rule of NODE_RULES) {
      const found = rule(node);
      if (found.length > 0) out.push(...found);
    }
  });
  return uniqueIssues(out);
}
