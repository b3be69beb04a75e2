/**
 * Shared plumbing of the per-resource mappers: the internal "cannot normalise" signal, result
 * builders, the event collector (deterministic event ids) and the FHIR element readers every mapper
 * needs (patient reference, source reference).
 */
import type { OperationOutcomeIssue, Reference, Resource } from '@medplum/fhirtypes';
import type { ClinicalEvent, EventKind, EventOf } from '../domain/events';
import type { SourceRef } from '../domain/source-ref';
import type { MappingResult } from './types';

/**
 * Thrown inside a mapper when a recognised concept's value cannot be normalised; caught per resource
 * and turned into an issue, never logged with a stack. So none is captured: a feed whose units cannot
 * be converted throws one per resource, and the stack was most of the cost of mapping it.
 */
export class Unmappable extends Error {
  readonly expression: string;
  readonly diagnostics: string;
  readonly code: OperationOutcomeIssue['code'];

  constructor(expression: string, diagnostics: string, code: OperationOutcomeIssue['code'] = 'value') {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(diagnostics);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.name = 'Unmappable';
    this.expression = expression;
    this.diagnostics = diagnostics;
    this.code = code;
  }
}

export function issue(
  severity: OperationOutcomeIssue['severity'],
  code: OperationOutcomeIssue['code'],
  diagnostics: string,
  expression?: string,
): OperationOutcomeIssue {
  return expression
    ? { severity, code, diagnostics, expression: [expression] }
    : { severity, code, diagnostics };
}

export function mapped(events: ClinicalEvent[], issues: OperationOutcomeIssue[] = []): MappingResult {
  return { events, status: 'mapped', issues };
}

export function ignored(diagnostics: string): MappingResult {
  return { events: [], status: 'ignored', issues: [issue('information', 'informational', diagnostics)] };
}

export function retracted(type: string): MappingResult {
  return {
    events: [],
    status: 'retracted',
    issues: [issue('information', 'informational', `${type} is entered-in-error: earlier events withdrawn`)],
  };
}

export function errorResult(e: Unmappable): MappingResult {
  return { events: [], status: 'error', issues: [issue('error', e.code, e.diagnostics, e.expression)] };
}

/** `Patient/<id>` (optionally absolute or with /_history) → `<id>`. Ids arrive namespaced by the adapter. */
export function patientIdOf(ref: Reference | undefined): string | undefined {
  const r = ref?.reference;
  if (typeof r !== 'string') return undefined;
  const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(r);
  return m?.[1];
}

export function requirePatient(ref: Reference | undefined, expression: string): string {
  const id = patientIdOf(ref);
  if (!id)
    throw new Unmappable(expression, 'no Patient reference: the event cannot be attributed', 'required');
  return id;
}

export function sourceRefOf(resource: Resource): SourceRef {
  const ref: SourceRef = { resourceType: resource.resourceType, id: resource.id as string };
  const v = resource.meta?.versionId;
  if (typeof v === 'string') ref.versionId = v;
  return ref;
}

/**
 * A resource's mapping as mapping its stored version `versionId` gives it: every event cites its source
 * (one SourceRef per resource, sourceRefOf) at that version, which is the only thing a mapper reads of
 * the version. For resources mapped before they are stored (queue/premap.ts).
 */
export function citingVersion(result: MappingResult, versionId: string): MappingResult {
  return {
    ...result,
    events: result.events.map((e) => ({ ...e, source: { ...e.source, versionId } })),
  };
}

/** A FHIR dateTime-ish string worth keeping, else undefined. */
export function timeOf(v: unknown): string | undefined {
  return typeof v === 'string' && /^\d{4}(-\d{2}(-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(v)
    ? v
    : undefined;
}

type Fields<K extends EventKind> = Omit<EventOf<K>, 'kind' | 'eventId' | 'patient' | 'source' | 'at' | 'end'>;

/** Builds events of one resource with ids `<Type>/<id>#<kind>[#n]` (n from 2 for repeats). */
export class EventCollector {
  readonly events: ClinicalEvent[] = [];
  private readonly counts = new Map<string, number>();
  private readonly source: SourceRef;

  constructor(
    resource: Resource,
    private readonly patient: string,
    private readonly at: string,
    private readonly end?: string,
  ) {
    // Checked only once a resource is recognised: an unmapped resource without an id is just ignored.
    if (typeof resource.id !== 'string' || resource.id === '') {
      throw new Unmappable(
        `${resource.resourceType}.id`,
        'resource without an id: its events could not be traced',
        'required',
      );
    }
    this.source = sourceRefOf(resource);
  }

  add<K extends EventKind>(kind: K, fields: Fields<K>): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    const eventId = `${this.source.resourceType}/${this.source.id}#${kind}${n > 1 ? `#${n}` : ''}`;
    const event: Record<string, unknown> = {
      kind,
      eventId,
      patient: this.patient,
      source: this.source,
      at: this.at,
    };
    if (this.end) event.end = this.end;
    // Drop undefined fields: events are stored and exported as JSON and must be JSON-clean.
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) event[k] = v;
    this.events.push(event as unknown as ClinicalEvent);
  }
}
