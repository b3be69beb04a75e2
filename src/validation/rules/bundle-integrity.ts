/**
 * Bundle integrity per Bundle type (https://hl7.org/fhir/R4/bundle.html):
 * - fullUrl is absolute (bundle.html#bundle-unique, Bundle.entry.fullUrl "the Absolute URL"), and a
 *   RESTful fullUrl (`…/Patient/123`) names the entry's own resource type and id (bundle.html#references).
 * - searchset: every entry with a resource has a fullUrl (bundle.html#searchset: "the fullUrl SHALL be
 *   the identity of the resource"), except the OperationOutcome of `search.mode = outcome`.
 * - transaction and document: a reference resolves inside the Bundle (bundle.html#references) when it
 *   is a `urn:uuid:`/`urn:oid:` (it can point nowhere else); in a document every relative or absolute
 *   reference must too ("the document bundle … includes all resources referenced", documents.html#bundle).
 * - Duplicate fullUrls are bdl-7, which @medplum/core evaluates on the Bundle.
 */
import type { Bundle, BundleEntry, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../issues';

const RESTFUL_TAIL = /\/([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9.-]{1,64})$/;
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]{0,31}:/;

function entriesOf(b: Bundle): [BundleEntry, number][] {
  return (Array.isArray(b.entry) ? b.entry : [])
    .map((e, i) => [e, i] as [BundleEntry, number])
    .filter(([e]) => e !== null && typeof e === 'object' && !Array.isArray(e));
}

function fullUrlIssues(e: BundleEntry, i: number, type: string | undefined): OperationOutcomeIssue[] {
  const at = `Bundle.entry[${i}]`;
  const r = e.resource as { resourceType?: unknown; id?: unknown } | undefined;
  if (typeof e.fullUrl !== 'string') {
    const outcome = e.search?.mode === 'outcome';
    return type === 'searchset' && r && !outcome
      ? [issue('error', 'required', 'A searchset entry with a resource needs its fullUrl', `${at}.fullUrl`)]
      : [];
  }
  if (!ABSOLUTE.test(e.fullUrl)) {
    return [
      issue('error', 'value', 'fullUrl must be an absolute URL (or urn:uuid: / urn:oid:)', `${at}.fullUrl`),
    ];
  }
  const rest = RESTFUL_TAIL.exec(e.fullUrl.split(/[?#]/)[0]);
  if (!rest || !r || e.fullUrl.startsWith('urn:')) return [];
  const out: OperationOutcomeIssue[] = [];
  if (r.resourceType !== rest[1]) {
    out.push(
      issue(
        'error',
        'invalid',
        "fullUrl names another resource type than the entry's resource",
        `${at}.fullUrl`,
      ),
    );
  } else if (r.id !== rest[2]) {
    out.push(
      issue('error', 'invalid', "fullUrl ends in another id than the entry's resource id", `${at}.fullUrl`),
    );
  }
  return out;
}

/** Every `reference` string in a resource, with its location (`Bundle.entry[2].resource.subject`). */
function references(resource: unknown, at: string): [string, string][] {
  const out: [string, string][] = [];
  const stack: [unknown, string][] = [[resource, at]];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, string];
    if (Array.isArray(node)) node.forEach((v, k) => stack.push([v, `${path}[${k}]`]));
    else if (node !== null && typeof node === 'object') {
      for (const [key, v] of Object.entries(node)) {
        if (key === 'reference' && typeof v === 'string') out.push([v, path]);
        else if (key !== 'contained' && typeof v === 'object') stack.push([v, `${path}.${key}`]);
      }
    }
  }
  return out;
}

/** The base of a RESTful fullUrl (`http://x.org/fhir/Patient/1` → `http://x.org/fhir/`), if any. */
function baseOf(fullUrl: string | undefined): string | undefined {
  if (!fullUrl || fullUrl.startsWith('urn:')) return undefined;
  const m = RESTFUL_TAIL.exec(fullUrl);
  return m ? fullUrl.slice(0, fullUrl.length - m[0].length + 1) : undefined;
}

function unresolvedReferences(b: Bundle, entries: [BundleEntry, number][]): OperationOutcomeIssue[] {
  const fullUrls = new Set(entries.map(([e]) => e.fullUrl).filter((u): u is string => typeof u === 'string'));
  const typeIds = new Set(
    entries
      .map(([e]) => e.resource)
      .filter((r) => r?.id)
      .map((r) => `${r?.resourceType}/${r?.id}`),
  );
  const document = b.type === 'document';
  const out: OperationOutcomeIssue[] = [];
  for (const [e, i] of entries) {
    if (!e.resource) continue;
    const base = baseOf(e.fullUrl);
    for (const [ref, at] of references(e.resource, `Bundle.entry[${i}].resource`)) {
      const target = ref.split('/_history/')[0];
      if (ref.startsWith('#') || fullUrls.has(target)) continue;
      const isUrn = target.startsWith('urn:uuid:') || target.startsWith('urn:oid:');
      if (!isUrn && !document) continue;
      if (!isUrn && !ABSOLUTE.test(target)) {
        if (base ? fullUrls.has(base + target) : typeIds.has(target)) continue;
        if (!base && typeIds.has(target)) continue;
      }
      out.push(
        issue('error', 'not-found', `Reference does not resolve to an entry of this ${b.type} Bundle`, at),
      );
    }
  }
  return out;
}

export function bundleIntegrityIssues(bundle: Bundle): OperationOutcomeIssue[] {
  const entries = entriesOf(bundle);
  const out = entries.flatMap(([e, i]) => fullUrlIssues(e, i, bundle.type));
  if (bundle.type === 'transaction' || bundle.type === 'document')
    out.push(...unresolvedReferences(bundle, entries));
  return out;
}
