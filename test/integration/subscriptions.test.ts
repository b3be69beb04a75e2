/**
 * FHIR R4 rest-hook Subscriptions: a loopback receiver counts what arrives. Handshake (requested →
 * active, or error with the reason), criteria filtering, payload styles, retries, and the checks on
 * what a subscription may be (allowed hosts only, supported criteria, safe headers).
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { startHarness, TOKENS, transaction, type Harness } from '../helpers/harness';
import { PAYLOAD_CONTENT_EXTENSION } from '../../src/deliver/notify';

interface Hit {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}
let h: Harness;
let receiver: Server;
let hookBase: string;
const hits: Hit[] = [];
/** Per path: how many more requests to refuse with 500 (Infinity: always). */
const failures = new Map<string, number>();

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      const left = failures.get(path) ?? 0;
      if (left > 0) {
        failures.set(path, left - 1);
        res.writeHead(500).end();
        return;
      }
      hits.push({ path, headers: req.headers, body: text ? JSON.parse(text) : undefined });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const addr = receiver.address();
  hookBase = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  h = await startHarness('subscriptions', {
    config: {
      jobAttempts: 3,
      deliveryAllowedHosts: '127.0.0.1',
      publicBaseUrl: 'https://bitebridge.example',
    },
  });
}, 60_000);
afterAll(async () => {
  await h.close();
  await new Promise((r) => receiver.close(r));
});

const at = (path: string) => hits.filter((x) => x.path === path);
const subscription = (criteria: string, path: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'registry feed',
  criteria,
  channel: { type: 'rest-hook', endpoint: `${hookBase}${path}`, ...extra },
});

async function create(body: unknown, token = TOKENS.hospA) {
  return h.request('POST', '/fhir/Subscription', { token, body });
}

async function statusOf(id: string, want: string): Promise<any> {
  let s: any;
  for (let i = 0; i < 300; i++) {
    s = (await h.request('GET', `/fhir/Subscription/${id}`, { token: TOKENS.hospA })).body;
    if (s.status === want) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  return s;
}

test('refused: hosts not allowed, unsupported criteria or channel, unsafe headers', async () => {
  const cases = [
    {
      ...subscription('DetectedIssue?code=crs', '/x'),
      channel: { type: 'rest-hook', endpoint: 'http://169.254.169.254/latest' },
    },
    {
      ...subscription('DetectedIssue?code=crs', '/x'),
      channel: { type: 'rest-hook', endpoint: 'http://user:pw@127.0.0.1/x' },
    },
    subscription('Observation?code=x', '/x'),
    subscription('DetectedIssue?nonsense=1', '/x'),
    subscription('DetectedIssue?code=crs', '/x', { header: ['Host: evil.example'] }),
    subscription('DetectedIssue?code=crs', '/x', { header: ['X-Ok: fine\r\nX-Injected: 1'] }),
    subscription('DetectedIssue?code=crs', '/x', { payload: 'text/html' }),
    { ...subscription('DetectedIssue?code=crs', '/x'), channel: { type: 'websocket' } },
    { resourceType: 'Patient' },
  ];
  for (const body of cases) {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  }
  expect((await create(subscription('DetectedIssue', '/x'), TOKENS.readOnly)).status).toBe(201);
});

test('handshake: requested → active, with the channel headers; retried after failures', async () => {
  failures.set('/hs', 2);
  const res = await create(
    subscription('DetectedIssue?code=crs', '/hs', { header: ['Authorization: Bearer hook-secret'] }),
  );
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('requested');
  expect(res.headers.get('location')).toContain(`/fhir/Subscription/${res.body.id}`);
  const s = await statusOf(res.body.id, 'active');
  expect(s.status).toBe('active');
  expect(at('/hs')).toHaveLength(1);
  expect(at('/hs')[0].body).toBeUndefined();
  expect(at('/hs')[0].headers.authorization).toBe('Bearer hook-secret');
  // Another source does not see it.
  expect((await h.request('GET', `/fhir/Subscription/${res.body.id}`, { token: TOKENS.hospB })).status).toBe(
    404,
  );
});

test('a handshake that keeps failing leaves the subscription in error, with the reason', async () => {
  failures.set('/down', Infinity);
  const res = await create(subscription('DetectedIssue?code=crs', '/down'));
  const s = await statusOf(res.body.id, 'error');
  expect(s.status).toBe('error');
  expect(s.error).toBe('Handshake failed: endpoint answered HTTP 500');
});

test('notifications follow the criteria; full and id-only payloads; a failed notification is retried', async () => {
  const bundle = JSON.parse(
    readFileSync(join(__dirname, '..', 'fixtures', 'seeds', 'seed-000.json'), 'utf8'),
  ) as Bundle;
  const pt = bundle.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!.id!;
  const subs = [
    await create(
      subscription('DetectedIssue?code=lineage-switch', '/lineage', { payload: 'application/fhir+json' }),
    ),
    await create(
      subscription('DetectedIssue?code=no-such-flag', '/never', { payload: 'application/fhir+json' }),
    ),
    await create(
      subscription(`MedicationStatement?patient=Patient/${pt}`, '/courses', {
        payload: 'application/fhir+json',
        _payload: { extension: [{ url: PAYLOAD_CONTENT_EXTENSION, valueCode: 'id-only' }] },
      }),
    ),
    await create(subscription('DetectedIssue', '/empty')),
  ];
  for (const s of subs) expect((await statusOf(s.body.id, 'active')).status).toBe('active');
  hits.length = 0;
  failures.set('/lineage', 1);

  expect((await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle })).status).toBe(200);
  await h.idle(60_000);

  const flags = (
    await h.request('GET', `/fhir/DetectedIssue?patient=${pt}&_count=1000`, { token: TOKENS.hospA })
  ).body.entry.map((e: any) => e.resource);
  const lineage = flags.filter((f: any) => f.code.coding[0].code === 'lineage-switch');
  expect(lineage.length).toBeGreaterThan(0);
  expect(at('/lineage')).toHaveLength(lineage.length);
  for (const n of at('/lineage')) {
    expect(n.body.resourceType).toBe('Bundle');
    expect(n.body.entry[0].resource.code.coding[0].code).toBe('lineage-switch');
    expect(n.body.entry[0].fullUrl).toMatch(
      /^https:\/\/bitebridge\.example\/fhir\/DetectedIssue\/.+\/_history\/\d+$/,
    );
  }
  expect(at('/never')).toHaveLength(0);
  const courses = (await h.request('GET', `/fhir/MedicationStatement?patient=${pt}`, { token: TOKENS.hospA }))
    .body.entry;
  expect(at('/courses')).toHaveLength(courses.length);
  for (const n of at('/courses')) {
    expect(n.body.entry[0].resource).toBeUndefined();
    expect(n.body.entry[0].fullUrl).toMatch(/\/fhir\/MedicationStatement\//);
  }
  expect(at('/empty')).toHaveLength(flags.length);
  expect(at('/empty').every((n) => n.body === undefined)).toBe(true);
});

test('deleted subscriptions are gone and notified no more', async () => {
  const res = await create(subscription('DetectedIssue', '/bye'));
  await statusOf(res.body.id, 'active');
  expect(
    (await h.request('DELETE', `/fhir/Subscription/${res.body.id}`, { token: TOKENS.hospA })).status,
  ).toBe(204);
  expect((await h.request('GET', `/fhir/Subscription/${res.body.id}`, { token: TOKENS.hospA })).status).toBe(
    404,
  );
  const list = await h.request('GET', '/fhir/Subscription', { token: TOKENS.hospA });
  expect(list.body.entry.map((e: any) => e.resource.id)).not.toContain(res.body.id);
});

test('a Subscription is never ingested as data: PUT and PATCH are 405, a Bundle entry is refused', async () => {
  const sub = { ...subscription('DetectedIssue', '/put'), id: 'put-1' };
  for (const method of ['PUT', 'PATCH']) {
    const res = await h.request(method, '/fhir/Subscription/put-1', { token: TOKENS.hospA, body: sub });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, DELETE');
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toMatch(/POST \/fhir\/Subscription/);
  }
  const patient = { resourceType: 'Patient', id: 'sub-batch-p' };
  const batch = await h.request('POST', '/fhir', {
    token: TOKENS.hospA,
    body: transaction([patient as never, sub as never], 'batch'),
  });
  expect(batch.status).toBe(200);
  expect(batch.body.entry[0].response.status).toMatch(/^20[01]/);
  expect(batch.body.entry[1].response.status).toMatch(/^400/);
  expect(batch.body.entry[1].response.outcome.issue[0]).toMatchObject({
    code: 'not-supported',
    expression: ['Bundle.entry[1].resource.resourceType'],
  });
  const tx = await h.request('POST', '/fhir', {
    token: TOKENS.hospA,
    body: transaction([{ ...patient, id: 'sub-tx-p' } as never, sub as never]),
  });
  expect(tx.status).toBe(400);
  expect(tx.body.resourceType).toBe('OperationOutcome');
  // Nothing of the refused entries, nor of the refused transaction, is stored or subscribed.
  for (const path of ['/fhir/Subscription/put-1', '/fhir/Patient/sub-tx-p'])
    expect((await h.request('GET', path, { token: TOKENS.hospA })).status).toBe(404);
  expect((await h.request('GET', '/fhir/Patient/sub-batch-p', { token: TOKENS.hospA })).status).toBe(200);
});
