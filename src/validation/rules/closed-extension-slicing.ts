/**
 * Closed slicing of our complex extensions' sub-extensions (https://hl7.org/fhir/R4/profiling.html#slicing,
 * `rules = closed`: "no additional slices are allowed"): a sub-extension whose url is not one of the
 * slices is an error, at every level (course-cycle → interruption → …). @medplum/core ignores
 * constraints below a slice, so an unknown sub-extension of a cycle passed.
 */
import type { ElementDefinition, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { issue, NO_ISSUES } from '../issues';
import { ourExtension } from './extensions';
import type { TypedNode } from './typed-walk';

/**
 * Tables built so far, per extension definition and prefix: building one scans the whole snapshot,
 * and an output visits every sub-extension. Prefixes are element ids of the definition (bounded).
 */
const tables = new WeakMap<StructureDefinition, Map<string, Map<string, string> | undefined>>();

/** Sub-extension urls allowed under the element `prefix` (`Extension`, `Extension.extension:interruption`), or undefined when open. */
function closedSlices(sd: StructureDefinition, prefix: string): Map<string, string> | undefined {
  let bySd = tables.get(sd);
  if (!bySd) tables.set(sd, (bySd = new Map()));
  if (!bySd.has(prefix)) bySd.set(prefix, buildClosedSlices(sd, prefix));
  return bySd.get(prefix);
}

function buildClosedSlices(sd: StructureDefinition, prefix: string): Map<string, string> | undefined {
  const elements = sd.snapshot?.element ?? [];
  const byId = new Map(elements.map((e): [string, ElementDefinition] => [e.id ?? '', e]));
  if (byId.get(`${prefix}.extension`)?.slicing?.rules !== 'closed') return undefined;
  const slices = new Map<string, string>();
  const head = `${prefix}.extension:`;
  for (const e of elements) {
    const id = e.id ?? '';
    if (!id.startsWith(head) || id.slice(head.length).includes('.')) continue;
    const name = id.slice(head.length);
    slices.set(byId.get(`${id}.url`)?.fixedUri ?? name, id);
  }
  return slices;
}

function check(
  sd: StructureDefinition,
  value: Record<string, unknown>,
  prefix: string,
  path: string,
  out: OperationOutcomeIssue[],
): void {
  const subs = Array.isArray(value.extension) ? (value.extension as Record<string, unknown>[]) : [];
  const slices = closedSlices(sd, prefix);
  subs.forEach((sub, i) => {
    const url = typeof sub?.url === 'string' ? sub.url : '';
    const slice = slices?.get(url);
    if (slices && slice === undefined) {
      out.push(
        issue(
          'error',
          'structure',
          'Sub-extension not among the closed slices of this extension',
          `${path}.extension[${i}]`,
        ),
      );
    } else if (slice !== undefined) check(sd, sub, slice, `${path}.extension[${i}]`, out);
  });
}

export function closedSlicingIssues(node: TypedNode): readonly OperationOutcomeIssue[] {
  if (node.type !== 'Extension' || typeof node.value.url !== 'string') return NO_ISSUES;
  const sd = ourExtension(node.value.url);
  if (!sd) return NO_ISSUES;
  const out: OperationOutcomeIssue[] = [];
  check(sd, node.value, 'Extension', node.path, out);
  return out;
}
