/**
 * Turns a request payload (a Bundle of any accepted type, or one resource) into the list of
 * resources to accept, in request order, with the bundle-level problems found on the way.
 * Pure: no I/O. Issues name the entry (`Bundle.entry[3]`), never resource content.
 */
import type { Bundle, BundleEntry, MessageHeader, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { isFhirResourceType } from '../validation/fhir-definitions';
import { FhirError, issue } from '../fhir/outcome';
import type { RawConditions } from './conditions';

export type BundleKind = 'transaction' | 'batch' | 'collection' | 'message' | 'single';

export interface IncomingEntry {
  /** Position in the request (entry index; 0 for a single resource). */
  index: number;
  method: 'POST' | 'PUT';
  /** The id the sender gave (PUT url or resource.id); absent → content-derived. */
  localId?: string;
  fullUrl?: string;
  resource: Resource;
  /** Conditional-write fields of the entry's request (transaction/batch only). */
  conditions?: RawConditions;
}

export interface ParsedPayload {
  kind: BundleKind;
  entries: IncomingEntry[];
  /** Problems per request entry index (entries with problems are not in `entries`). */
  entryIssues: Map<number, OperationOutcomeIssue[]>;
  /** Number of request entries (the response has one entry per request entry). */
  requestCount: number;
}

const ACCEPTED_BUNDLES = new Set(['transaction', 'batch', 'collection', 'message']);

export const SUBSCRIPTION_NOT_INGESTED =
  'Subscriptions are created with POST /fhir/Subscription and removed with DELETE; they are not updated in place or sent in a Bundle';

/** A resource the server manages through its own endpoint: never stored as a sender's data. */
function managedElsewhere(resource: Resource, at: string): OperationOutcomeIssue | undefined {
  return resource.resourceType === 'Subscription'
    ? issue('not-supported', SUBSCRIPTION_NOT_INGESTED, `${at}.resourceType`)
    : undefined;
}

/** Checks of a single resource that apply everywhere: a known resourceType, a valid id. */
export function resourceShapeIssues(resource: unknown, at: string): OperationOutcomeIssue[] {
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    return [issue('structure', 'Expected a FHIR resource (a JSON object)', at)];
  }
  const rt = (resource as { resourceType?: unknown }).resourceType;
  if (rt === undefined) return [issue('required', 'Missing resourceType', `${at}.resourceType`)];
  if (!isFhirResourceType(rt)) return [issue('not-supported', 'Unknown resourceType', `${at}.resourceType`)];
  const id = (resource as { id?: unknown }).id;
  if (id !== undefined && (typeof id !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(id))) {
    return [issue('value', 'Invalid id (FHIR id: [A-Za-z0-9-.]{1,64})', `${rt}.id`)];
  }
  return [];
}

function fromRequest(entry: BundleEntry, index: number, at: string): IncomingEntry | OperationOutcomeIssue {
  const resource = entry.resource as Resource;
  const method = entry.request?.method;
  if (method !== 'POST' && method !== 'PUT') {
    return issue(
      'not-supported',
      `Entry request method ${method ?? '(none)'} is not supported: use POST or PUT`,
      `${at}.request.method`,
    );
  }
  let localId = resource.id;
  if (method === 'PUT') {
    const m = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(entry.request?.url ?? '');
    if (!m || m[1] !== resource.resourceType) {
      return issue(
        'value',
        'PUT entry request.url must be <resourceType>/<id> of the entry resource',
        `${at}.request.url`,
      );
    }
    if (resource.id !== undefined && resource.id !== m[2]) {
      return issue('value', 'resource.id does not match request.url', `${at}.resource.id`);
    }
    localId = m[2];
  }
  const { ifMatch, ifNoneMatch, ifNoneExist } = (entry.request ?? {}) as RawConditions;
  const conditions =
    ifMatch !== undefined || ifNoneMatch !== undefined || ifNoneExist !== undefined
      ? { ifMatch, ifNoneMatch, ifNoneExist }
      : undefined;
  return { index, method, localId, fullUrl: entry.fullUrl, resource, conditions };
}

function messageFocus(bundle: Bundle): Set<string> | OperationOutcomeIssue {
  const header = bundle.entry?.[0]?.resource as MessageHeader | undefined;
  if (header?.resourceType !== 'MessageHeader') {
    return issue('structure', 'A message Bundle must start with a MessageHeader', 'Bundle.entry[0].resource');
  }
  const focus: unknown = header.focus ?? [];
  if (!Array.isArray(focus))
    return issue('structure', 'MessageHeader.focus must be an array', 'Bundle.entry[0].resource.focus');
  return new Set(
    focus
      .map((f: unknown) =>
        f && typeof f === 'object' && typeof (f as { reference?: unknown }).reference === 'string'
          ? (f as { reference: string }).reference
          : '',
      )
      .filter(Boolean),
  );
}

/**
 * A transaction fails when two of its entries change one resource: "If any resource identities
 * (including resolved identities from conditional update/delete) overlap in steps 1-3, then the
 * transaction SHALL fail" (https://hl7.org/fhir/R4/http.html#trules). Entries with the sender's id (a
 * PUT, or a resource with an id) are compared by type and id; every entry after the first that names
 * an identity gets an issue, which rejects the whole transaction. An id-less resource gets its id from
 * its content when stored, so two identical id-less entries are the same resource sent twice, stored
 * once, as a re-send is. A batch processes such entries in order (each its own request).
 * An edge rule (the API applies it before recording): payloads recorded by an earlier release are
 * processed as they were accepted then.
 */
export function overlapIssues(parsed: ParsedPayload): Map<number, OperationOutcomeIssue[]> {
  const found = new Map<number, OperationOutcomeIssue[]>();
  if (parsed.kind !== 'transaction') return found;
  const first = new Map<string, number>();
  for (const e of parsed.entries) {
    if (e.localId === undefined) continue;
    const identity = `${e.resource.resourceType}/${e.localId}`;
    const earlier = first.get(identity);
    if (earlier === undefined) first.set(identity, e.index);
    else
      found.set(e.index, [
        issue(
          'business-rule',
          `Bundle.entry[${e.index}] changes the same resource (type and id) as Bundle.entry[${earlier}]: a transaction changes each resource at most once`,
          `Bundle.entry[${e.index}]`,
        ),
      ]);
  }
  return found;
}

/**
 * bdl-7: "FullUrl must be unique in a bundle, or else entries with the same fullUrl must have
 * different meta.versionId" (https://hl7.org/fhir/R4/bundle.html#invs). Two entries with one fullUrl
 * would leave the Bundle's internal references pointing at either; the Bundle is refused whole
 * (also an edge rule, see overlapIssues).
 */
export function duplicateFullUrlIssues(parsed: ParsedPayload): OperationOutcomeIssue[] {
  const seen = new Map<string, number>();
  const found: OperationOutcomeIssue[] = [];
  for (const e of parsed.entries) {
    if (e.fullUrl === undefined) continue;
    const version = e.resource.meta?.versionId;
    const at = `${e.fullUrl}\n${typeof version === 'string' ? version : ''}`;
    const earlier = seen.get(at);
    if (earlier === undefined) seen.set(at, e.index);
    else
      found.push(
        issue(
          'invariant',
          `Constraint bdl-7 not met: Bundle.entry[${e.index}] has the fullUrl of Bundle.entry[${earlier}] (and the same meta.versionId)`,
          `Bundle.entry[${e.index}].fullUrl`,
        ),
      );
  }
  return found;
}

export function parsePayload(body: unknown): ParsedPayload {
  const entryIssues = new Map<number, OperationOutcomeIssue[]>();
  const shape = resourceShapeIssues(body, 'Resource');
  if (shape.length) throw new FhirError(400, shape);
  const resource = body as Resource;
  if (resource.resourceType !== 'Bundle') {
    const managed = managedElsewhere(resource, resource.resourceType);
    if (managed) throw new FhirError(400, managed);
    return {
      kind: 'single',
      entries: [{ index: 0, method: resource.id ? 'PUT' : 'POST', localId: resource.id, resource }],
      entryIssues,
      requestCount: 1,
    };
  }
  const bundle = resource as Bundle;
  const kind = bundle.type;
  if (!kind || !ACCEPTED_BUNDLES.has(kind)) {
    throw new FhirError(
      400,
      issue('not-supported', 'Bundle.type must be transaction, batch, collection or message', 'Bundle.type'),
    );
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) {
    throw new FhirError(400, issue('structure', 'Bundle.entry must be an array', 'Bundle.entry'));
  }
  const raw = bundle.entry ?? [];
  const focus = kind === 'message' ? messageFocus(bundle) : undefined;
  if (focus && !(focus instanceof Set)) throw new FhirError(400, focus);

  const entries: IncomingEntry[] = [];
  raw.forEach((entry, index) => {
    const at = `Bundle.entry[${index}]`;
    const fail = (i: OperationOutcomeIssue) => entryIssues.set(index, [i]);
    if (entry === null || typeof entry !== 'object' || entry.resource === undefined) {
      return fail(issue('required', 'Bundle entry has no resource', `${at}.resource`));
    }
    const shapeIssues = resourceShapeIssues(entry.resource, `${at}.resource`);
    if (shapeIssues.length) return entryIssues.set(index, shapeIssues);
    // Only what would be stored is refused: a message's context entries are not stored anyway.
    const managed = managedElsewhere(entry.resource, `${at}.resource`);
    if (kind === 'transaction' || kind === 'batch') {
      if (managed) return fail(managed);
      const r = fromRequest(entry, index, at);
      return 'resource' in r ? entries.push(r) : fail(r);
    }
    const res = entry.resource as Resource;
    if (focus) {
      if (res.resourceType === 'MessageHeader') return;
      const isFocus =
        (entry.fullUrl && focus.has(entry.fullUrl)) || (res.id && focus.has(`${res.resourceType}/${res.id}`));
      if (!isFocus) return; // non-focus message content is context only (documented)
    }
    if (managed) return fail(managed);
    entries.push({
      index,
      method: res.id ? 'PUT' : 'POST',
      localId: res.id,
      fullUrl: entry.fullUrl,
      resource: res,
    });
  });
  return { kind: kind as BundleKind, entries, entryIssues, requestCount: raw.length };
}
