/**
 * One resource against FHIR R4 (structure, cardinality, formats, invariants via @medplum/core; required
 * bindings of the base spec via the JSON Schema) and, when asked, against one of our profiles
 * (profile snapshot via @medplum/core, plus our own terminology check of required bindings).
 */
import { validateResource as medplumValidate } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { baseBindingIssues } from './base-bindings';
import { isFhirResourceType } from './fhir-definitions';
import { fhirPatternNames, jsonSchemaErrors } from './fhir-json-schema';
import { rootNameOf } from './fhirpath-expression';
import { isError, issue, uniqueIssues } from './issues';
import { jsonSchemaIssues } from './json-schema-issues';
import { medplumIssues } from './medplum-issues';
import { validateAgainstProfile } from './profiles/compiled-profiles';
import { getProfile } from './profiles/registry';
import { vouchesForBaseType } from './profiles/structure-vouch';
import { bindingIssues } from './profiles/terminology';
import { checkFhirRules } from './rules';
import { isFalseInvariantIssue, isFalsePrimitiveIssue } from './rules/primitive-values';

export interface ValidateOptions {
  /** Canonical URL of a profile loaded by `loadProfiles()`. */
  profileUrl?: string;
}

/** Deeper than any real resource; the validators recurse, so depth is checked first (tooDeep stops at it). */
export const MAX_JSON_DEPTH = 100;

/**
 * Recursive, but never deeper than MAX_JSON_DEPTH + 1 calls: it stops at the limit. Allocates
 * nothing (it runs on every resource; the version with an explicit stack of pairs allocated per value).
 */
function tooDeep(node: unknown, depth = 1): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (depth > MAX_JSON_DEPTH) return true;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) if (tooDeep(node[i], depth + 1)) return true;
    return false;
  }
  for (const key in node) {
    if (Object.hasOwn(node, key) && tooDeep((node as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** Problems that make the resource unfit for either validator (reported alone). */
function shapeIssues(resource: unknown): OperationOutcomeIssue[] {
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    return [issue('error', 'structure', 'A resource must be a JSON object', 'Resource')];
  }
  const type = (resource as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string') {
    return [issue('error', 'required', 'Missing or non-string resourceType', 'Resource.resourceType')];
  }
  if (!isFhirResourceType(type)) {
    return [
      issue(
        'error',
        'not-supported',
        'Unknown FHIR R4 resource type',
        `${rootNameOf(resource)}.resourceType`,
      ),
    ];
  }
  if (tooDeep(resource)) {
    return [issue('error', 'too-costly', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, type)];
  }
  return [];
}

/** Medplum writes choice elements as `effective[x]`; ajv names the JSON key (`effectiveDateTime`). */
function locationMatcher(expression: string): RegExp {
  const escaped = expression
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\\\[x\\\]/g, '[A-Z][A-Za-z0-9]*');
  return new RegExp(`^${escaped}$`);
}

/** ajv issues at a location Medplum already reported are the same problem said twice. */
function mergeIssues(
  medplum: OperationOutcomeIssue[],
  ajv: OperationOutcomeIssue[],
): OperationOutcomeIssue[] {
  const reported = medplum.filter(isError).flatMap((i) => (i.expression ?? []).map(locationMatcher));
  const fresh = ajv.filter((a) => !(a.expression ?? []).some((e) => reported.some((m) => m.test(e))));
  return uniqueIssues([...medplum, ...fresh]);
}

/** @medplum/core warns about several `value[x]` at once; rules/choice-exclusivity.ts reports it as the error it is. */
const isChoiceWarning = (i: OperationOutcomeIssue): boolean =>
  (i.diagnostics ?? '').startsWith('Conflicting choice of type properties');

export function validateResource(resource: unknown, opts: ValidateOptions = {}): OperationOutcomeIssue[] {
  return validateResourceWithRules(resource, opts).issues;
}

/**
 * What validateResource found, with what `checkFhirRules` found before merging (undefined when the
 * rules did not run): the output gate needs those unmerged issues, and running the rules a second
 * time on the same JSON would only repeat the same walk.
 */
export interface ValidationResult {
  issues: OperationOutcomeIssue[];
  rules?: OperationOutcomeIssue[];
}

/** validateResource, also handing back the rules' unmerged issues (see ValidationResult). */
export function validateResourceWithRules(resource: unknown, opts: ValidateOptions = {}): ValidationResult {
  const shape = shapeIssues(resource);
  if (shape.length > 0) return { issues: shape };
  try {
    return validateWellFormed(resource as Resource, opts);
  } catch {
    // A validator failing on odd input must not turn a client error into a crash.
    return {
      issues: [
        issue('error', 'exception', 'The validator could not process this resource', rootNameOf(resource)),
      ],
    };
  }
}

function validateWellFormed(resource: Resource, opts: ValidateOptions): ValidationResult {
  const r = resource;
  let profileIssues: OperationOutcomeIssue[] = [];
  let medplum: OperationOutcomeIssue[];
  if (opts.profileUrl !== undefined) {
    const profile = getProfile(opts.profileUrl);
    if (!profile || profile.resourceType !== 'StructureDefinition' || profile.type !== r.resourceType) {
      return {
        issues: [
          issue(
            'error',
            'not-supported',
            'Unknown profile for this resource type',
            `${r.resourceType}.meta.profile`,
          ),
        ],
      };
    }
    medplum = medplumIssues(() => validateAgainstProfile(r, profile));
    profileIssues = bindingIssues(r, profile);
  } else {
    // The compiled walk vouches only where Medplum's validator would return nothing (structure-vouch.ts);
    // anything else is Medplum's own run, so every issue is still Medplum's.
    medplum = vouchesForBaseType(r) ? [] : medplumIssues(() => medplumValidate(r));
  }
  medplum = medplum.filter(
    (i) => !isFalsePrimitiveIssue(r, i) && !isFalseInvariantIssue(r, i) && !isChoiceWarning(i),
  );
  const ajv = jsonSchemaIssues(r, jsonSchemaErrors(r), fhirPatternNames());
  const found = baseBindingIssues(r);
  const rules = checkFhirRules(r);
  // Nothing found (most resources): nothing to merge.
  if (medplum.length + ajv.length + found.length + rules.length + profileIssues.length === 0)
    return { issues: [], rules };
  // The base binding check repeats the JSON Schema's enums where both know the binding: keep one.
  const ajvAt = new Set(ajv.flatMap((i) => i.expression ?? []));
  const bindings = found.filter((i) => !(i.expression ?? []).some((e) => ajvAt.has(e)));
  return {
    issues: uniqueIssues([...mergeIssues(medplum, [...ajv, ...bindings, ...rules]), ...profileIssues]),
    rules,
  };
}
