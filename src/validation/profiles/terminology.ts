/**
 * Our own terminology check: @medplum/core ignores ValueSet bindings, so every *required* binding of a
 * profile (and of the extensions it uses) to one of our ValueSets is checked here against the
 * expansion of profiles/. Bindings to external ValueSets (FHIR's own enums) are left to the JSON
 * Schema check.
 */
import type {
  Coding,
  ElementDefinition,
  OperationOutcomeIssue,
  Resource,
  StructureDefinition,
} from '@medplum/fhirtypes';
import { issue } from '../issues';
import { profileRegistry, type ProfileRegistry } from './registry';
import type { ValueSetExpansion } from './value-set-expansion';

/** One step of an element id: `extension:courseCycle` (key + extension url), `value[x]` (choice). */
interface Step {
  key: string;
  choice: boolean;
  url?: string;
}

interface BindingTarget {
  steps: Step[];
  valueSet: string;
}

const MAX_EXTENSION_DEPTH = 5;
const CODE_LIKE = /^[A-Za-z0-9\-.:/_]{1,64}$/;

/** Steps from the root of `sd` to element `id`, resolving slice names to extension urls. */
function stepsFor(sd: StructureDefinition, id: string): Step[] {
  const elements = sd.snapshot?.element ?? [];
  const segments = id.split('.').slice(1);
  return segments.map((seg, i) => {
    const [name, slice] = seg.split(':');
    if (name.endsWith('[x]')) return { key: name.slice(0, -3), choice: true };
    if (!slice) return { key: name, choice: false };
    const sliceId = [sd.type, ...segments.slice(0, i + 1)].join('.');
    const url =
      elements.find((e) => e.id === `${sliceId}.url`)?.fixedUri ??
      elements.find((e) => e.id === sliceId)?.type?.[0]?.profile?.[0];
    return { key: name, choice: false, url };
  });
}

function collect(
  sd: StructureDefinition,
  registry: ProfileRegistry,
  prefix: Step[],
  depth: number,
): BindingTarget[] {
  const targets: BindingTarget[] = [];
  for (const e of (sd.snapshot?.element ?? []).slice(1) as ElementDefinition[]) {
    const steps = (): Step[] => [...prefix, ...stepsFor(sd, e.id as string)];
    const vs = e.binding?.valueSet;
    if (e.binding?.strength === 'required' && vs && registry.expansions.has(vs)) {
      targets.push({ steps: steps(), valueSet: vs });
    }
    const extensionUrl = e.type?.[0]?.code === 'Extension' ? e.type[0].profile?.[0] : undefined;
    const extension = extensionUrl ? registry.structureDefinitions.get(extensionUrl) : undefined;
    if (extension && depth < MAX_EXTENSION_DEPTH)
      targets.push(...collect(extension, registry, steps(), depth + 1));
  }
  return targets;
}

const cache = new WeakMap<StructureDefinition, BindingTarget[]>();
function bindingTargets(profile: StructureDefinition, registry: ProfileRegistry): BindingTarget[] {
  let targets = cache.get(profile);
  if (!targets) {
    targets = collect(profile, registry, [], 0);
    cache.set(profile, targets);
  }
  return targets;
}

interface Located {
  value: unknown;
  expr: string;
}

function select(node: unknown, steps: Step[], expr: string): Located[] {
  if (steps.length === 0) return [{ value: node, expr }];
  if (node === null || typeof node !== 'object') return [];
  const [step, ...rest] = steps;
  const obj = node as Record<string, unknown>;
  const keys = step.choice
    ? Object.keys(obj).filter((k) => k.startsWith(step.key) && /^[A-Z]/.test(k.slice(step.key.length)))
    : [step.key];
  return keys.flatMap((key) => {
    const v = obj[key];
    const items = Array.isArray(v) ? v : v === undefined ? [] : [v];
    return items.flatMap((item, i) => {
      if (step.url !== undefined && (item as { url?: unknown } | null)?.url !== step.url) return [];
      return select(item, rest, `${expr}.${key}${Array.isArray(v) ? `[${i}]` : ''}`);
    });
  });
}

const show = (code: unknown): string =>
  typeof code === 'string' && CODE_LIKE.test(code) ? `"${code}"` : '(value)';

function codingIssues(c: Coding, exp: ValueSetExpansion, vs: string, expr: string): OperationOutcomeIssue[] {
  const codes = c.system ? exp.get(c.system) : undefined;
  if (!codes) return [];
  if (!c.code || !codes.has(c.code)) {
    return [issue('error', 'code-invalid', `Code ${show(c.code)} is not in ValueSet ${vs}`, expr)];
  }
  if (c.display !== undefined && c.display !== codes.get(c.code)) {
    return [
      issue(
        'error',
        'code-invalid',
        `Display of ${show(c.code)} does not match CodeSystem ${c.system}`,
        expr,
      ),
    ];
  }
  return [];
}

function valueIssues(located: Located, exp: ValueSetExpansion, vs: string): OperationOutcomeIssue[] {
  const { value, expr } = located;
  if (typeof value === 'string') {
    const known = [...exp.values()].some((codes) => codes.has(value));
    return known
      ? []
      : [issue('error', 'code-invalid', `Code ${show(value)} is not in ValueSet ${vs}`, expr)];
  }
  const obj = (value ?? {}) as { coding?: Coding[]; system?: string; code?: string };
  const codings: Coding[] = Array.isArray(obj.coding) ? obj.coding : 'code' in obj ? [obj as Coding] : [];
  const out = codings.flatMap((c, i) =>
    codingIssues(c, exp, vs, Array.isArray(obj.coding) ? `${expr}.coding[${i}]` : expr),
  );
  const inValueSet = codings.some((c) => c.system && c.code && exp.get(c.system)?.has(c.code));
  if (!inValueSet && out.length === 0)
    out.push(issue('error', 'code-invalid', `No coding from ValueSet ${vs}`, expr));
  return out;
}

/** Issues for every required binding of `profile` (and its extensions) to one of our ValueSets. */
export function bindingIssues(resource: Resource, profile: StructureDefinition): OperationOutcomeIssue[] {
  const registry = profileRegistry();
  return bindingTargets(profile, registry).flatMap((t) => {
    const exp = registry.expansions.get(t.valueSet) as ValueSetExpansion;
    return select(resource, t.steps, resource.resourceType).flatMap((l) => valueIssues(l, exp, t.valueSet));
  });
}
