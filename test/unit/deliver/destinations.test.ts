/** Destination configuration (the SSRF allow list above all) and the pure Bundle builder. */
import { exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import type { DetectedIssue, MedicationStatement } from '@medplum/fhirtypes';
import { transactionBundles } from '../../../src/deliver/bundle';
import {
  DestinationError,
  parseAllowedHosts,
  parseDestination,
  parseDestinations,
  passesFilter,
} from '../../../src/deliver/destinations';
import { authorizationFor } from '../../../src/deliver/registry-auth';

const allowed = parseAllowedHosts('registry.example.org, 127.0.0.1:9999');
const dest = (over: Record<string, unknown> = {}) => ({
  id: 'reg',
  source: 'hospa',
  baseUrl: 'https://registry.example.org/fhir/',
  ...over,
});

test('allowed hosts: name or name:port; anything else is refused', () => {
  expect(parseDestination(dest(), allowed).baseUrl).toBe('https://registry.example.org/fhir');
  expect(parseDestination(dest({ baseUrl: 'http://127.0.0.1:9999/fhir' }), allowed).id).toBe('reg');
  for (const baseUrl of [
    'http://127.0.0.1:6379/',
    'http://169.254.169.254/latest',
    'http://localhost/fhir',
    'file:///etc/passwd',
    'https://user:pw@registry.example.org/fhir',
    'https://registry.example.org.evil.example/fhir',
    'not a url',
  ])
    expect(() => parseDestination(dest({ baseUrl }), allowed)).toThrow(DestinationError);
  expect(() => parseDestination(dest(), parseAllowedHosts(undefined))).toThrow(/DELIVERY_ALLOWED_HOSTS/);
});

test('bad fields are refused with the reason; duplicates too', () => {
  const bad: Array<Record<string, unknown>> = [
    { id: 'Not Valid' },
    { source: 'a.b' },
    { auth: { type: 'bearer', token: 'short' } },
    {
      auth: {
        type: 'smart-backend',
        tokenUrl: 'https://registry.example.org/token',
        clientId: 'c',
        scope: 's',
        privateJwk: { kty: 'RSA', alg: 'RS256', d: 'x' },
      },
    },
    {
      auth: {
        type: 'smart-backend',
        tokenUrl: 'https://elsewhere.example/token',
        clientId: 'c',
        scope: 's',
        privateJwk: { kty: 'RSA', alg: 'RS384', d: 'x' },
      },
    },
    { filter: { resourceTypes: ['Patient'] } },
    { filter: { flagCodes: 'crs' } },
    { payload: 'xml' },
    { bundleSize: 501 },
  ];
  for (const b of bad) expect(() => parseDestination(dest(b), allowed)).toThrow(DestinationError);
  expect(() => parseDestinations(JSON.stringify([dest(), dest()]), allowed, 'X')).toThrow(/listed twice/);
  expect(() => parseDestinations('{', allowed, 'X')).toThrow(/not valid JSON/);
  expect(parseDestination(dest({ filter: { group: 'g1' } }), allowed).filter.group).toBe('hospa.g1');
});

test('filters: types and flag codes (courses unaffected by flag codes)', () => {
  const flag = (code: string) => ({ resourceType: 'DetectedIssue', code: { coding: [{ code }] } });
  expect(passesFilter({ flagCodes: ['crs'] }, flag('crs'))).toBe(true);
  expect(passesFilter({ flagCodes: ['crs'] }, flag('icans'))).toBe(false);
  expect(passesFilter({ flagCodes: ['crs'] }, { resourceType: 'MedicationStatement' })).toBe(true);
  expect(passesFilter({ resourceTypes: ['DetectedIssue'] }, { resourceType: 'MedicationStatement' })).toBe(
    false,
  );
});

test('bundles: conditional updates on the identifier, courses first, no ids of ours, split by size', () => {
  const course: MedicationStatement = {
    resourceType: 'MedicationStatement',
    id: 'c1',
    meta: { versionId: '3', lastUpdated: '2026-01-01T00:00:00Z', profile: ['http://p'] },
    identifier: [{ system: 'http://bitebridge.dev/course', value: 'c1' }],
    status: 'completed',
    medicationCodeableConcept: { text: 'blinatumomab' },
    subject: { reference: 'Patient/hospa.p1' },
  };
  const flags: DetectedIssue[] = ['f2', 'f1'].map((id) => ({
    resourceType: 'DetectedIssue',
    id,
    identifier: [{ system: 'http://bitebridge.dev/flag', value: id }],
    status: 'final',
    implicated: [{ reference: 'MedicationStatement/c1' }],
  }));
  const out = transactionBundles(
    [
      ...flags.map((r) => ({ key: `DetectedIssue/${r.id}`, versionId: '1', resource: r })),
      { key: 'MedicationStatement/c1', versionId: '3', resource: course },
    ],
    { style: 'absolute', publicBase: 'https://bb.example', size: 2 },
  );
  expect(out.map((b) => b.bundle.entry!.length)).toEqual([2, 1]);
  const [first] = out[0].bundle.entry!;
  expect(first.request).toEqual({
    method: 'PUT',
    url: 'MedicationStatement?identifier=http%3A%2F%2Fbitebridge.dev%2Fcourse%7Cc1',
  });
  expect(first.resource).not.toHaveProperty('id');
  expect(first.resource!.meta).toEqual({ profile: ['http://p'] });
  expect((first.resource as MedicationStatement).subject!.reference).toBe(
    'https://bb.example/fhir/Patient/hospa.p1',
  );
  expect(out[0].bundle.entry![1].request!.url).toContain('f1');
  expect(out[1].outputs.map((o) => o.key)).toEqual(['DetectedIssue/f2']);
});

test('SMART client credentials for a destination: a signed RS384 assertion, the token cached', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS384', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), alg: 'RS384', kid: 'k1' } as JWK;
  const d = parseDestination(
    dest({
      id: 'smart-reg',
      auth: {
        type: 'smart-backend',
        tokenUrl: 'https://registry.example.org/token',
        clientId: 'bb',
        scope: 'system/*.write',
        privateJwk,
      },
    }),
    allowed,
  );
  const calls: URLSearchParams[] = [];
  const fakeFetch = (async (_url: string, init: RequestInit) => {
    calls.push(init.body as URLSearchParams);
    return new Response(JSON.stringify({ access_token: 'issued-token', expires_in: 300 }), { status: 200 });
  }) as unknown as typeof fetch;
  expect(await authorizationFor(d, fakeFetch)).toBe('Bearer issued-token');
  expect(await authorizationFor(d, fakeFetch)).toBe('Bearer issued-token');
  expect(calls).toHaveLength(1);
  expect(calls[0].get('grant_type')).toBe('client_credentials');
  const { payload, protectedHeader } = await jwtVerify(calls[0].get('client_assertion')!, publicKey, {
    issuer: 'bb',
    subject: 'bb',
    audience: 'https://registry.example.org/token',
  });
  expect(protectedHeader).toMatchObject({ alg: 'RS384', kid: 'k1' });
  expect(payload.jti).toEqual(expect.any(String));
});
