/**
 * Required bindings on CodeableConcept and Coding (https://hl7.org/fhir/R4/terminologies.html#required):
 * "the concept in this element SHALL be from the specified value set". A Coding must be a code of the
 * value set; a CodeableConcept needs at least one such Coding (text alone does not satisfy a required
 * binding). `Condition.clinicalStatus`, `verificationStatus`, `AllergyIntolerance.clinicalStatus`…
 * Bindings on `code` elements are base-bindings.ts and the JSON Schema; ValueSets that cannot be
 * expanded locally are not checked.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, NO_ISSUES } from '../issues';
import type { TypedNode } from './typed-walk';
import { localExpansion, type Expansion } from './value-sets';

interface CodingLike {
  system?: unknown;
  code?: unknown;
}

const inExpansion = (c: CodingLike, vs: Expansion): boolean =>
  typeof c.system === 'string' && typeof c.code === 'string' && vs.get(c.system)?.has(c.code) === true;

function allowed(vs: Expansion): string {
  const all = [...vs].flatMap(([system, codes]) => [...codes].map((code) => `${system}|${code}`));
  return all.slice(0, 10).join(', ') + (all.length > 10 ? ', …' : '');
}

export function codedBindingIssues(node: TypedNode): readonly OperationOutcomeIssue[] {
  const binding = node.element?.binding;
  if (binding?.strength !== 'required' || !binding.valueSet) return NO_ISSUES;
  if (node.type !== 'Coding' && node.type !== 'CodeableConcept') return NO_ISSUES;
  const vs = localExpansion(binding.valueSet);
  if (!vs) return NO_ISSUES;
  if (node.type === 'Coding') {
    const c = node.value as CodingLike;
    if (c.code === undefined || inExpansion(c, vs)) return NO_ISSUES;
    return [
      issue(
        'error',
        'code-invalid',
        `Coding not in the required value set (allowed: ${allowed(vs)})`,
        node.path,
      ),
    ];
  }
  const codings = Array.isArray(node.value.coding) ? (node.value.coding as CodingLike[]) : [];
  if (codings.some((c) => c !== null && typeof c === 'object' && inExpansion(c, vs))) return NO_ISSUES;
  return [
    issue(
      'error',
      'code-invalid',
      `No Coding from the required value set (allowed: ${allowed(vs)})`,
      codings.length > 0 ? `${node.path}.coding` : node.path,
    ),
  ];
}
