/**
 * SMART Backend Services: discovery, the token endpoint, and the access token at work on $export.
 * Each kind of bad assertion gets the OAuth error the spec names; static tokens keep working.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

let h: Harness;
let rsa: CryptoKey;
let ec: CryptoKey;
let stranger: CryptoKey;

beforeAll(async () => {
  const r = await generateKeyPair('RS384', { extractable: true });
  const e = await generateKeyPair('ES384', { extractable: true });
  rsa = r.privateKey;
  ec = e.privateKey;
  stranger = (await generateKeyPair('RS384')).privateKey;
  const clients = [
    {
      clientId: 'registry-bot',
      source: 'hospa',
      scopes: ['read', 'export'],
      jwks: {
        keys: [
          { ...(await exportJWK(r.publicKey)), alg: 'RS384', kid: 'rsa-1' },
          { ...(await exportJWK(e.publicKey)), alg: 'ES384', kid: 'ec-1' },
        ],
      },
    },
  ];
  h = await startHarness('smart', {
    config: { smartClientsJson: JSON.stringify(clients), smartTokenTtlSeconds: 120 },
  });
}, 60_000);
afterAll(async () => {
  await h.close();
});

const tokenUrl = () => `${h.base}/auth/token`;

async function assertion(
  o: {
    key?: CryptoKey;
    alg?: string;
    kid?: string;
    iss?: string;
    aud?: string;
    exp?: number;
    jti?: string;
  } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: o.alg ?? 'RS384', kid: o.kid ?? 'rsa-1', typ: 'JWT' })
    .setIssuer(o.iss ?? 'registry-bot')
    .setSubject(o.iss ?? 'registry-bot')
    .setAudience(o.aud ?? tokenUrl())
    .setJti(o.jti ?? randomUUID())
    .setIssuedAt(now - 600)
    .setExpirationTime(o.exp ?? now + 240)
    .sign(o.key ?? rsa);
}

async function token(form: Record<string, string>) {
  const res = await fetch(tokenUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
}

const form = (clientAssertion: string, extra: Record<string, string> = {}) => ({
  grant_type: 'client_credentials',
  scope: 'system/*.read',
  client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  client_assertion: clientAssertion,
  ...extra,
});

test('discovery at the root and under the FHIR base, without a token', async () => {
  for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
    const res = await h.request('GET', path);
    expect(res.status).toBe(200);
    expect(res.body.token_endpoint).toBe(tokenUrl());
    expect(res.body.token_endpoint_auth_signing_alg_values_supported).toEqual(['RS384', 'ES384']);
    expect(res.body.grant_types_supported).toEqual(['client_credentials']);
  }
});

test('good assertion → short-lived token → $export works; the token cannot ingest', async () => {
  const res = await token(form(await assertion()));
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.body).toEqual({
    access_token: expect.any(String),
    token_type: 'bearer',
    expires_in: 120,
    scope: 'system/*.read',
  });
  const bearer = res.body.access_token as string;
  const kick = await h.request('GET', '/fhir/$export', {
    token: bearer,
    headers: { prefer: 'respond-async' },
  });
  expect(kick.status).toBe(202);
  const status = new URL(kick.headers.get('content-location')!).pathname;
  let poll = await h.request('GET', status, { token: bearer });
  for (let i = 0; poll.status === 202 && i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    poll = await h.request('GET', status, { token: bearer });
  }
  expect(poll.status).toBe(200);
  // The export belongs to the client's source: hospa's static export token sees it too.
  expect((await h.request('GET', status, { token: TOKENS.exporter })).status).toBe(200);
  expect((await h.request('GET', status, { token: TOKENS.hospB })).status).toBe(404);
  const ingest = await h.request('POST', '/fhir/Patient', {
    token: bearer,
    body: { resourceType: 'Patient', id: 'x' },
  });
  expect(ingest.status).toBe(403);
});

test('ES384 assertions are accepted too; v2 scopes map the same way', async () => {
  const res = await token(
    form(await assertion({ key: ec, alg: 'ES384', kid: 'ec-1' }), { scope: 'system/*.rs' }),
  );
  expect(res.status).toBe(200);
  expect(res.body.scope).toBe('system/*.rs');
});

test('static tokens keep working', async () => {
  expect((await h.request('GET', '/fhir/Patient', { token: TOKENS.hospA })).status).toBe(200);
  expect((await h.request('GET', '/fhir/Patient', { token: 'not-a-token-at-all-xxxxxxxx' })).status).toBe(
    401,
  );
});

describe('bad assertions → invalid_client (401)', () => {
  const cases: Array<[string, () => Promise<string>]> = [
    ['expired', () => assertion({ exp: Math.floor(Date.now() / 1000) - 120 })],
    ['wrong signature', () => assertion({ key: stranger })],
    ['unknown client', () => assertion({ iss: 'who-is-this' })],
    ['wrong aud', () => assertion({ aud: 'https://elsewhere.example/token' })],
    ['exp too far ahead', () => assertion({ exp: Math.floor(Date.now() / 1000) + 3600 })],
  ];
  test.each(cases)('%s', async (_name, make) => {
    const res = await token(form(await make()));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body.access_token).toBeUndefined();
  });

  test('replayed jti', async () => {
    const jti = randomUUID();
    expect((await token(form(await assertion({ jti })))).status).toBe(200);
    const again = await token(form(await assertion({ jti })));
    expect(again.status).toBe(401);
    expect(again.body).toEqual({
      error: 'invalid_client',
      error_description: 'client_assertion jti was already used',
    });
  });

  test('HS256 (a shared secret) is not accepted', async () => {
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('registry-bot')
      .setSubject('registry-bot')
      .setAudience(tokenUrl())
      .setJti(randomUUID())
      .setExpirationTime('2m')
      .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));
    const res = await token(form(jwt));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });
});

describe('bad requests → 400', () => {
  test.each([
    ['grant_type', { grant_type: 'password' }, 'unsupported_grant_type'],
    ['assertion type', { client_assertion_type: 'basic' }, 'invalid_request'],
    ['scope not grantable', { scope: 'system/*.write patient/*.read' }, 'invalid_scope'],
    ['no scope', { scope: '' }, 'invalid_request'],
    ['not a JWT', { client_assertion: 'garbage' }, 'invalid_request'],
  ])('%s', async (_name, extra, error) => {
    const res = await token(form(await assertion(), extra as Record<string, string>));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(error);
  });

  test('a JSON body is refused with invalid_request', async () => {
    const res = await fetch(tokenUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(form(await assertion())),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});
