/**
 * GET /fhir/metadata: a CapabilityStatement that says exactly what this server does. Each route
 * plugin contributes what it supports (`capabilities`), so the statement cannot drift from the routes.
 */
import type { FastifyInstance } from 'fastify';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { FHIR_JSON } from '../fhir-json';

export interface Capabilities {
  /** Per resource type: interactions, search params, operations. '*' applies to every type. */
  resources: Map<string, CapabilityStatementRestResource>;
  systemInteractions: Set<'transaction' | 'batch' | 'search-system' | 'history-system'>;
  systemOperations: Array<{ name: string; definition: string }>;
  /** Canonical CapabilityStatements this server conforms to (e.g. the Bulk Data server). */
  instantiates: Set<string>;
}

export function newCapabilities(): Capabilities {
  return {
    resources: new Map(),
    systemInteractions: new Set(),
    systemOperations: [],
    instantiates: new Set(),
  };
}

export function addResourceCapability(
  caps: Capabilities,
  type: string,
  add: Partial<CapabilityStatementRestResource>,
): void {
  const cur: CapabilityStatementRestResource = caps.resources.get(type) ?? {
    type: type as CapabilityStatementRestResource['type'],
  };
  caps.resources.set(type, {
    ...cur,
    ...add,
    interaction: [...(cur.interaction ?? []), ...(add.interaction ?? [])],
    searchParam: [...(cur.searchParam ?? []), ...(add.searchParam ?? [])],
    operation: [...(cur.operation ?? []), ...(add.operation ?? [])],
  });
}

export async function metadataRoutes(
  app: FastifyInstance,
  opts: { caps: Capabilities; version: string },
): Promise<void> {
  app.get('/fhir/metadata', async (_req, reply) => {
    const resource = [...opts.caps.resources.values()]
      .map((r) =>
        Object.fromEntries(Object.entries(r).filter(([, v]) => !(Array.isArray(v) && v.length === 0))),
      )
      .sort((a, b) => String(a.type).localeCompare(String(b.type))) as CapabilityStatementRestResource[];
    const cs: CapabilityStatement = {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: '2026-11-21',
      kind: 'instance',
      ...(opts.caps.instantiates.size ? { instantiates: [...opts.caps.instantiates].sort() } : {}),
      software: { name: 'bitebridge', version: opts.version },
      implementation: { description: 'bitebridge: blinatumomab course adapter (FHIR R4)' },
      fhirVersion: '4.0.1',
      format: ['application/fhir+json', 'application/json'],
      rest: [
        {
          mode: 'server',
          security: {
            service: [
              {
                coding: [
                  { system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth' },
                ],
                text: 'Bearer tokens with scopes ingest, read, export, admin',
              },
            ],
            description:
              "Every data endpoint requires a bearer token; ids are namespaced by the token's source.",
          },
          resource,
          interaction: [...opts.caps.systemInteractions].sort().map((code) => ({ code })),
          operation: opts.caps.systemOperations,
        },
      ],
    };
    return reply.type(FHIR_JSON).send(cs);
  });
}
