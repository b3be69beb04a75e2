/**
 * Extensions the validator does not know (https://hl7.org/fhir/R4/extensibility.html#exchange):
 * an unknown `extension` may be ignored, so it is a warning; an unknown `modifierExtension` changes
 * the meaning of its element and SHALL NOT be ignored, so it is an error ("must understand",
 * extensibility.html#modifierExtension). Known: the R4 core extension definitions and profiles/. URLs in the domains
 * RFC 2606 reserves for examples are accepted as the HL7 validator accepts them. Sub-extensions of a
 * complex extension (relative `url`s) belong to their parent and are not looked up.
 */
import { readDefinitions } from '../definition-files';
import type { Bundle, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { issue, NO_ISSUES } from '../issues';
import { getProfile } from '../profiles/registry';
import type { TypedNode } from './typed-walk';

let known: ReadonlySet<string> | undefined;
function knownExtensions(): ReadonlySet<string> {
  if (!known) {
    const bundle = readDefinitions('fhir/r4/extension-definitions.json') as Bundle;
    known = new Set((bundle.entry ?? []).map((e) => (e.resource as { url?: string } | undefined)?.url ?? ''));
  }
  return known;
}

/** http(s)://example.org|com|net[/…] and their subdomains (RFC 2606 §3). */
function isExampleDomain(url: string): boolean {
  const m = /^https?:\/\/([^/?#]{1,253})/.exec(url);
  const host = m?.[1].toLowerCase() ?? '';
  return ['example.org', 'example.com', 'example.net'].some((d) => host === d || host.endsWith(`.${d}`));
}

/** Our own extensions (profiles/) are known too. */
function isOurExtension(url: string): boolean {
  return ourExtension(url) !== undefined;
}

/** Our extension's definition, if profiles/ loads (its loader validates with these rules: no recursion then). */
let loading = false;
export function ourExtension(url: string): StructureDefinition | undefined {
  if (loading) return undefined;
  loading = true;
  try {
    const sd = getProfile(url);
    return sd?.type === 'Extension' ? sd : undefined;
  } catch {
    return undefined;
  } finally {
    loading = false;
  }
}

export function extensionIssues(node: TypedNode): readonly OperationOutcomeIssue[] {
  if (node.type !== 'Extension' || node.parentType === 'Extension') return NO_ISSUES;
  const url = node.value.url;
  if (typeof url !== 'string' || knownExtensions().has(url) || isExampleDomain(url) || isOurExtension(url)) {
    return NO_ISSUES;
  }
  return node.key === 'modifierExtension'
    ? [issue('error', 'extension', 'Unknown modifier extension: it cannot be safely ignored', node.path)]
    : [issue('warning', 'extension', 'Unknown extension (ignored)', node.path)];
}
