/**
 * Every bad input gets a clear OperationOutcome with the right 4xx, never a 500 or a crash, and
 * nothing already accepted is lost. Real HTTP against a real Redis.
 */
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('badinput', { config: { bodyLimit: 64 * 1024, jsonDepthLimit: 32 } });
});
afterAll(async () => {
  await h.close();
});

function expectOutcome(res: { status: number; body: any; headers: Headers }, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/fhir+json');
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue.length).toBeGreaterThan(0);
  expect(res.body.issue[0].severity).toBe('error');
  if (code) expect(res.body.issue[0].code).toBe(code);
}

const post = (
  raw: string,
  headers: Record<string, string> = { 'content-type': 'application/fhir+json' },
  token = TOKENS.hospA,
) => h.request('POST', '/fhir', { token, raw, headers });

test('malformed JSON → 400', async () => {
  expectOutcome(await post('{"resourceType": "Bundle", '), 400, 'structure');
});

test('a body starting with a byte order mark is read like any other, and processed', async () => {
  const bundle = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      {
        resource: { resourceType: 'Patient', id: 'bom-1' },
        request: { method: 'PUT', url: 'Patient/bom-1' },
      },
    ],
  };
  const res = await post(`\uFEFF${JSON.stringify(bundle)}`);
  expect(res.status).toBe(200);
  expect(res.body.entry[0].response.status).toMatch(/^201/);
  expect((await h.request('GET', '/fhir/Patient/bom-1', { token: TOKENS.hospA })).status).toBe(200);
});

test('a body of multi-byte UTF-8 is stored as sent: the resource reads back with the same characters', async () => {
  const family = 'Zoë Ñandú 日本語 🩸';
  const bundle = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      {
        resource: { resourceType: 'Patient', id: 'utf8-1', name: [{ family }] },
        request: { method: 'PUT', url: 'Patient/utf8-1' },
      },
    ],
  };
  const res = await post(JSON.stringify(bundle));
  expect(res.status).toBe(200);
  const read = await h.request('GET', '/fhir/Patient/utf8-1', { token: TOKENS.hospA });
  expect(read.body.name[0].family).toBe(family);
});

test('bytes that are not UTF-8 are read as U+FFFD, by the API and by the worker alike', async () => {
  const text = JSON.stringify({
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      {
        resource: { resourceType: 'Patient', id: 'utf8-2', name: [{ family: 'AXB' }] },
        request: { method: 'PUT', url: 'Patient/utf8-2' },
      },
    ],
  });
  const bytes = Buffer.from(text);
  bytes[bytes.indexOf('AXB') + 1] = 0xff; // a byte no UTF-8 sequence starts with
  const res = await h.request('POST', '/fhir', {
    token: TOKENS.hospA,
    raw: bytes,
    headers: { 'content-type': 'application/fhir+json' },
  });
  expect(res.status).toBe(200);
  expect(res.body.entry[0].response.status).toMatch(/^201/);
  const read = await h.request('GET', '/fhir/Patient/utf8-2', { token: TOKENS.hospA });
  expect(read.body.name[0].family).toBe('A\uFFFDB');
});

test('text/plain → 415', async () => {
  expectOutcome(await post('hello', { 'content-type': 'text/plain' }), 415, 'not-supported');
});

test('application/xml → 415', async () => {
  expectOutcome(await post('<Bundle/>', { 'content-type': 'application/fhir+xml' }), 415);
});

test('body over the limit → 413', async () => {
  const big = JSON.stringify({
    resourceType: 'Bundle',
    type: 'batch',
    entry: [{ resource: { resourceType: 'Basic', id: 'x', text: 'a'.repeat(70 * 1024) } }],
  });
  expectOutcome(await post(big), 413, 'too-costly');
});

test('deeply nested JSON → 413', async () => {
  let nested = '1';
  for (let i = 0; i < 200; i++) nested = `{"a":${nested}}`;
  expectOutcome(await post(`{"resourceType":"Bundle","type":"batch","x":${nested}}`), 413, 'too-costly');
});

test('unknown resourceType → 400', async () => {
  expectOutcome(
    await post(
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { resourceType: 'Spaceship' }, request: { method: 'POST', url: 'Spaceship' } }],
      }),
    ),
    400,
    'not-supported',
  );
  const single = await h.request('POST', '/fhir/Spaceship', {
    token: TOKENS.hospA,
    body: { resourceType: 'Spaceship' },
  });
  expectOutcome(single, 400);
});

test('Bundle entry without a resource → 400 naming the entry', async () => {
  const res = await post(
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'POST', url: 'Patient' } }],
    }),
  );
  expectOutcome(res, 400, 'required');
  expect(res.body.issue[0].expression).toEqual(['Bundle.entry[0].resource']);
});

test('__proto__ keys → 400', async () => {
  expectOutcome(await post('{"resourceType":"Patient","__proto__":{"admin":true}}'), 400, 'structure');
  expectOutcome(
    await post('{"resourceType":"Patient","constructor":{"prototype":{"admin":true}}}'),
    400,
    'structure',
  );
});

test('a Bundle of an unaccepted type → 400', async () => {
  expectOutcome(
    await post(JSON.stringify({ resourceType: 'Bundle', type: 'searchset' })),
    400,
    'not-supported',
  );
});

test('no token → 401, before the body is even read', async () => {
  const res = await h.request('POST', '/fhir', {
    raw: '{not json',
    headers: { 'content-type': 'application/fhir+json' },
  });
  expectOutcome(res, 401, 'login');
  expect(res.headers.get('www-authenticate')).toBe('Bearer');
  expectOutcome(
    await h.request('POST', '/fhir', {
      token: 'not-a-real-token-000000',
      body: { resourceType: 'Bundle', type: 'batch' },
    }),
    401,
  );
});

test('wrong scope → 403', async () => {
  expectOutcome(
    await h.request('POST', '/fhir', {
      token: TOKENS.readOnly,
      body: { resourceType: 'Bundle', type: 'batch' },
    }),
    403,
    'forbidden',
  );
  expectOutcome(await h.request('GET', '/admin/rejects', { token: TOKENS.hospA }), 403);
});

test('the URL type and the body disagree → 400', async () => {
  expectOutcome(
    await h.request('POST', '/fhir/Patient', { token: TOKENS.hospA, body: { resourceType: 'Observation' } }),
    400,
  );
  expectOutcome(
    await h.request('PUT', '/fhir/Patient/a', {
      token: TOKENS.hospA,
      body: { resourceType: 'Patient', id: 'b' },
    }),
    400,
  );
});

test('unknown route → 404 OperationOutcome', async () => {
  expectOutcome(await h.request('DELETE', '/fhir/Patient/a/b/c', { token: TOKENS.hospA }), 404, 'not-found');
});

test('an id that overflows 64 characters once namespaced → 4xx, not stored', async () => {
  const id = 'a'.repeat(64);
  const res = await h.request('PUT', `/fhir/Patient/${id}`, {
    token: TOKENS.hospA,
    body: { resourceType: 'Patient', id },
  });
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.body.resourceType).toBe('OperationOutcome');
});

test('after all of that the server still answers and earlier data is intact', async () => {
  const ok = await h.request('PUT', '/fhir/Patient/survivor', {
    token: TOKENS.hospA,
    body: { resourceType: 'Patient', id: 'survivor' },
  });
  expect(ok.status).toBe(201);
  expect((await h.request('GET', '/healthz')).status).toBe(200);
  expect((await h.rt.store.locate('Patient/hospa.survivor')).found).toBe(true);
});
