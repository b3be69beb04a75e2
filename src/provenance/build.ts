/**
 * Provenance of a derived output version (a course or a flag): pure and deterministic, so a re-run
 * builds the byte-identical resource and the store keeps one Provenance per output version.
 *
 * target → the exact output version; entity (role `source`) → every source resource version the
 * output rests on: the resources the output references, at the versions the events that produced it
 * were read from; agent → bitebridge as a contained Device carrying the software version.
 */
import type { Provenance, Resource } from '@medplum/fhirtypes';
import { sha256 } from '../ingest/canonical';
import { sourceOf } from '../identity';
import type { SourceRef } from '../domain/source-ref';

/**
 * The ISO 21089 record-lifecycle code "derive" (what the issue calls DERIVE): v3-DataOperation has
 * no derive code, and Provenance.activity's example value set draws on both systems.
 */
export const DERIVE_ACTIVITY = {
  coding: [
    {
      system: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle',
      code: 'derive',
      display: 'Derive',
    },
  ],
  text: 'DERIVE',
};
const ASSEMBLER_AGENT_TYPE = {
  coding: [
    {
      system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
      code: 'assembler',
      display: 'Assembler',
    },
  ],
};

export interface OutputVersion {
  /** The saved output (course or flag), as derived. */
  resource: Resource;
  versionId: string;
}

/** `Provenance/<id>` of one output version, namespaced by the patient's source; ≤ 64 characters. */
export function provenanceId(patient: string, outputKey: string, versionId: string): string {
  return `${sourceOf(patient)}.prov-${sha256(`${outputKey}/_history/${versionId}`).slice(0, 40)}`;
}

/** Every `Type/id` an output references (any depth), without contained (`#…`) or versioned suffixes. */
export function referencedKeys(resource: Resource): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'reference' && typeof x === 'string') {
          const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]+)?$/.exec(x);
          if (m) out.add(`${m[1]}/${m[2]}`);
        } else walk(x);
      }
    }
  };
  walk(resource);
  return out;
}

/**
 * The Provenance of `output` at `versionId`. `evidence` is every source the derivation read (the
 * events' sources with their versions); only those the output actually references become entities,
 * sorted, so the same output and evidence always give the same resource.
 */
export function buildProvenance(p: {
  /** The output's patient (namespaced): its source namespaces the Provenance id. */
  patient: string;
  output: OutputVersion;
  evidence: Iterable<SourceRef>;
  /** When the version was recorded (ISO instant); the caller supplies it so this stays pure. */
  recorded: string;
  softwareVersion: string;
}): Provenance {
  const { resource, versionId } = p.output;
  const key = `${resource.resourceType}/${resource.id}`;
  const referenced = referencedKeys(resource);
  const versions = new Map<string, string>();
  for (const ref of p.evidence) {
    const k = `${ref.resourceType}/${ref.id}`;
    if (!referenced.has(k) || !ref.versionId) continue;
    const prev = versions.get(k);
    // The newest version read wins when the events saw several (numeric store versions).
    if (prev === undefined || Number(ref.versionId) > Number(prev)) versions.set(k, ref.versionId);
  }
  const entity = [...versions.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => ({ role: 'source' as const, what: { reference: `${k}/_history/${v}` } }));
  return {
    resourceType: 'Provenance',
    id: provenanceId(p.patient, key, versionId),
    contained: [
      {
        resourceType: 'Device',
        id: 'bitebridge',
        deviceName: [{ name: 'bitebridge', type: 'manufacturer-name' }],
        version: [{ value: p.softwareVersion }],
      },
    ],
    target: [{ reference: `${key}/_history/${versionId}` }],
    recorded: p.recorded,
    activity: DERIVE_ACTIVITY,
    agent: [{ type: ASSEMBLER_AGENT_TYPE, who: { reference: '#bitebridge' } }],
    ...(entity.length ? { entity } : {}),
  };
}
