/**
 * Invariants of a data type's StructureDefinition at every place the type occurs
 * (https://hl7.org/fhir/R4/datatypes.html, "Constraints" of each type; conformance-rules.html#constraints):
 * per-1 (Period start ≤ end), qty-3, rng-2, rat-1, ref-1, att-1, cpt-2, exp-1, age-1, drt-1, cnt-3,
 * dis-1, and sqty-1 where an element's type is profiled to SimpleQuantity. @medplum/core evaluates
 * constraints of element definitions and of the resource root only, so `Observation.effectivePeriod`
 * with start after end passed.
 */
import { tryGetDataType, type InternalSchemaElement, type TypedValue } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, NO_ISSUES } from '../issues';
import { evaluateInvariant, isSingle } from '../profiles/compiled-invariants';
import type { TypedNode } from './typed-walk';

/** Checked elsewhere or skipped by @medplum/core for the same reason (ele-1: every element; ext-1 is on every extension element). */
const SKIPPED = new Set(['ele-1', 'ext-1', 'dom-3', 'org-1', 'sdf-19']);
const SIMPLE_QUANTITY = 'http://hl7.org/fhir/StructureDefinition/SimpleQuantity';

interface Invariant {
  key: string;
  expression: string;
  human: string;
}

/**
 * Elements an invariant needs before it can fail: without them it holds, and evaluating FHIRPath at
 * each of the thousands of References of a large Bundle is the dominant cost of this rule.
 */
export const NEEDS: Readonly<Record<string, (v: Record<string, unknown>) => boolean>> = {
  'ref-1': (v) => typeof v.reference === 'string' && v.reference.startsWith('#'),
  // code.empty() or system.exists(): a system given as text (as almost every sender gives it) exists.
  'qty-3': (v) => v.code !== undefined && !(typeof v.system === 'string' && v.system !== ''),
  'per-1': (v) => v.start !== undefined && v.end !== undefined,
  'rng-2': (v) => v.low !== undefined && v.high !== undefined,
  'att-1': (v) => v.data !== undefined,
  'cpt-2': (v) => v.value !== undefined,
  'sqty-1': (v) => v.comparator !== undefined,
};

const byType = new Map<string, Invariant[]>();

function invariantsOf(type: string): Invariant[] {
  let found = byType.get(type);
  if (found) return found;
  const schema = tryGetDataType(type);
  found =
    schema?.kind === 'complex-type'
      ? (schema.constraints ?? [])
          .filter((c) => c.severity === 'error' && !SKIPPED.has(c.key))
          .map((c) => ({ key: c.key, expression: c.expression, human: c.description }))
      : [];
  byType.set(type, found);
  return found;
}

let simpleQuantity: Invariant[] | undefined;
function simpleQuantityInvariants(): Invariant[] {
  simpleQuantity ??= (tryGetDataType('SimpleQuantity')?.constraints ?? [])
    .filter((c) => c.key === 'sqty-1')
    .map((c) => ({ key: c.key, expression: c.expression, human: c.description }));
  return simpleQuantity;
}

/**
 * False only when the expression gives `false`; empty (e.g. dates of different precision) is not a
 * failure. The expression is compiled once (profiles/compiled-invariants.ts: Medplum's evaluation).
 */
function holds(inv: Invariant, node: TypedNode): boolean {
  if (NEEDS[inv.key]?.(node.value) === false) return true;
  const root: TypedValue = { type: String(node.rootResource.resourceType), value: node.rootResource };
  const result = evaluateInvariant(
    inv.expression,
    { type: node.type, value: node.value },
    { resource: root, root },
  );
  // An expression our engine cannot parse or evaluate must not reject data.
  return result === undefined || !isSingle(result, false);
}

/** Per element definition and type: the same for every value there, so worked out once. */
const atElement = new WeakMap<InternalSchemaElement, Map<string, Invariant[]>>();

function invariantsAt(element: InternalSchemaElement, type: string): Invariant[] {
  let byElementType = atElement.get(element);
  if (!byElementType) atElement.set(element, (byElementType = new Map()));
  let found = byElementType.get(type);
  if (!found) {
    const onElement = new Set((element.constraints ?? []).map((c) => c.key));
    found = invariantsOf(type).filter((i) => !onElement.has(i.key));
    const profiled = element.type.some((t) => t.code === type && t.profile?.includes(SIMPLE_QUANTITY));
    if (profiled) found.push(...simpleQuantityInvariants());
    byElementType.set(type, found);
  }
  return found;
}

export function dataTypeInvariantIssues(node: TypedNode): readonly OperationOutcomeIssue[] {
  if (!node.element) return NO_ISSUES;
  const invariants = invariantsAt(node.element, node.type);
  if (invariants.length === 0) return NO_ISSUES;
  const out: OperationOutcomeIssue[] = [];
  for (const inv of invariants) {
    if (holds(inv, node)) continue;
    const text = `Constraint ${inv.key} not met: ${inv.human} (${inv.expression})`;
    out.push(issue('error', 'invariant', text, node.path));
  }
  return out.length > 0 ? out : NO_ISSUES;
}
