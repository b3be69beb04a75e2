/**
 * A Bundle, entry by entry: each entry's resource is validated on its own (so one bad entry does not
 * hide the others, and a batch can answer per entry), the Bundle shell (type, entry structure,
 * requests) once. Expressions name the entry: `Bundle.entry[3].resource.status`.
 */
import type { Bundle, BundleEntry, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { isFhirResourceType } from './fhir-definitions';
import { issue, rebaseIssues, uniqueIssues } from './issues';
import { bundleIntegrityIssues } from './rules/bundle-integrity';
import { validateResource } from './validate-resource';

export interface BundleValidation {
  /** Problems of the Bundle and of entry structure; expressions start `Bundle.entry[i]` when about one entry. */
  bundleIssues: OperationOutcomeIssue[];
  /** `entries[i]`: the issues of entry i's resource, expressions prefixed `Bundle.entry[i].resource`. */
  entries: OperationOutcomeIssue[][];
}

const NO_RESOURCE_METHODS = new Set(['GET', 'HEAD', 'DELETE']);

/** The index of the entry an issue is about (`Bundle.entry[4]…` → 4), if any. */
export function entryIndexOf(i: OperationOutcomeIssue): number | undefined {
  const m = /^Bundle\.entry\[(\d+)\]/.exec(i.expression?.[0] ?? '');
  return m ? Number(m[1]) : undefined;
}

function entryStructureIssues(bundle: Bundle, entry: unknown, i: number): OperationOutcomeIssue[] {
  const at = `Bundle.entry[${i}]`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return [issue('error', 'structure', 'A Bundle entry must be a JSON object', at)];
  }
  const e = entry as BundleEntry;
  const out: OperationOutcomeIssue[] = [];
  const needsRequest = bundle.type === 'transaction' || bundle.type === 'batch';
  if (needsRequest && (e.request === undefined || e.request === null)) {
    out.push(issue('error', 'required', `Every ${bundle.type} entry needs a request`, `${at}.request`));
  }
  const method = typeof e.request?.method === 'string' ? e.request.method : undefined;
  if (e.resource === undefined || e.resource === null) {
    // bdl-5: a resource unless there is a request or a response (responses and history may omit it);
    // in a transaction or batch, only GET, HEAD and DELETE come without one.
    const answered = !needsRequest && (e.response != null || e.request != null);
    if (!answered && !(needsRequest && method && NO_RESOURCE_METHODS.has(method))) {
      out.push(issue('error', 'required', 'Bundle entry without a resource', `${at}.resource`));
    }
  } else if (!isFhirResourceType((e.resource as { resourceType?: unknown }).resourceType)) {
    out.push(issue('error', 'not-supported', 'Unknown FHIR R4 resource type', `${at}.resource.resourceType`));
  }
  return out;
}

/**
 * The Bundle with every entry resource replaced by an empty Parameters (a resource with no required
 * element), keeping `meta.versionId` for bdl-7: the shell is checked once, the resources one by one.
 */
function bundleShell(b: Bundle, rawEntries: unknown[]): Bundle {
  if (!Array.isArray(b.entry)) return b;
  const entry = rawEntries.map((e) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return e;
    const { resource, ...rest } = e as BundleEntry;
    if (resource === undefined || resource === null) return rest;
    const versionId = (resource as { meta?: { versionId?: unknown } }).meta?.versionId;
    const placeholder =
      typeof versionId === 'string'
        ? { resourceType: 'Parameters', meta: { versionId } }
        : { resourceType: 'Parameters' };
    return { ...rest, resource: placeholder };
  });
  return { ...b, entry } as Bundle;
}

/** bdl-11 / bdl-12 look at the first resource's type, which the shell hides: checked here instead. */
const RESOURCE_TYPE_INVARIANTS = /^Constraint bdl-1[12] /;
function firstResourceIssues(b: Bundle): OperationOutcomeIssue[] {
  const first = (b.entry?.[0] as BundleEntry | undefined)?.resource?.resourceType;
  if (b.type === 'document' && first !== 'Composition') {
    return [
      issue(
        'error',
        'invariant',
        'A document Bundle must have a Composition as its first resource',
        'Bundle.entry[0].resource',
      ),
    ];
  }
  if (b.type === 'message' && first !== 'MessageHeader') {
    return [
      issue(
        'error',
        'invariant',
        'A message Bundle must have a MessageHeader as its first resource',
        'Bundle.entry[0].resource',
      ),
    ];
  }
  return [];
}

export function validateBundle(bundle: unknown): BundleValidation {
  const b = bundle as Bundle;
  if (b === null || typeof b !== 'object' || Array.isArray(b) || b.resourceType !== 'Bundle') {
    return {
      bundleIssues: [issue('error', 'structure', 'Expected a Bundle resource', 'Bundle')],
      entries: [],
    };
  }
  const rawEntries: unknown[] = Array.isArray(b.entry) ? b.entry : [];
  const bundleIssues: OperationOutcomeIssue[] = [];
  const entries: OperationOutcomeIssue[][] = [];
  bundleIssues.push(
    ...validateResource(bundleShell(b, rawEntries)).filter(
      (i) => !RESOURCE_TYPE_INVARIANTS.test(i.diagnostics ?? ''),
    ),
  );
  bundleIssues.push(...firstResourceIssues(b));
  bundleIssues.push(...bundleIntegrityIssues(b));
  rawEntries.forEach((entry, i) => {
    const structure = entryStructureIssues(b, entry, i);
    bundleIssues.push(...structure);
    const resource = (entry as BundleEntry | null)?.resource;
    const resourceIsUsable =
      resource !== undefined && resource !== null && isFhirResourceType(resource.resourceType);
    entries.push(
      resourceIsUsable ? rebaseIssues(validateResource(resource), `Bundle.entry[${i}].resource`) : [],
    );
  });
  return { bundleIssues: uniqueIssues(bundleIssues), entries };
}
