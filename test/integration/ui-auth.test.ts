/**
 * The pages' sign-in and visibility, over HTTP: no token → sign-in; the token is posted once and
 * becomes an HttpOnly cookie (never in a URL); a cookie reads, never writes; another source's
 * patient is a 404; bad form input is a 4xx page, never a 500.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

let h: Harness;
let cookie: string;

const seed = (file: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'seeds', file), 'utf8'));

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(h.base + path, { headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function signIn(token: string, next = '/ui/cohort') {
  return fetch(h.base + '/ui/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, next }).toString(),
    redirect: 'manual',
  });
}

beforeAll(async () => {
  h = await startHarness('ui-auth');
  expect(
    (await h.request('POST', '/fhir', { token: TOKENS.hospA, body: seed('seed-002.json') })).status,
  ).toBe(200);
  expect(
    (await h.request('POST', '/fhir', { token: TOKENS.hospB, body: seed('seed-004.json') })).status,
  ).toBe(200);
  await h.idle(60_000);
  const res = await signIn(TOKENS.readOnly, '/ui/patients/pt-s002');
  expect(res.status).toBe(303);
  cookie = res.headers.get('set-cookie')!.split(';')[0];
}, 120_000);
afterAll(async () => {
  await h.close();
});

test('without a token every page redirects to the sign-in form, keeping the path', async () => {
  for (const path of ['/ui/cohort', '/ui/patients/pt-s002']) {
    const res = await get(path);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/ui/sign-in?next=${encodeURIComponent(path)}`);
  }
  const form = await get('/ui/sign-in?next=%2Fui%2Fcohort');
  expect(form.status).toBe(200);
  expect(form.text).toContain('type="password"');
  expect(form.headers.get('content-security-policy')).toContain("default-src 'none'");
});

test('sign-in sets an HttpOnly SameSite cookie without the token and goes to the asked page', async () => {
  const res = await signIn(TOKENS.readOnly, '/ui/patients/pt-s002');
  expect(res.headers.get('location')).toBe('/ui/patients/pt-s002');
  const set = res.headers.get('set-cookie')!;
  expect(set).toMatch(/^bb_ui=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  expect(set).not.toContain(TOKENS.readOnly);
  expect(res.headers.get('location')).not.toContain(TOKENS.readOnly);
});

test('an unknown token or a token without read is refused with the form again', async () => {
  const res = await signIn('not-a-token-at-all-xxxxxxxx');
  expect(res.status).toBe(401);
  expect(res.headers.get('set-cookie')).toBeNull();
  expect(await res.text()).toContain('Unknown token.');
});

test('with the cookie: own patient 200, another source’s patient 404, unknown 404', async () => {
  const own = await get('/ui/patients/pt-s002', { cookie });
  expect(own.status).toBe(200);
  expect(own.headers.get('cache-control')).toBe('no-store');
  expect(own.text).toContain('class="flag-mark');
  expect((await get('/ui/patients/hospa.pt-s002', { cookie })).status).toBe(200);
  for (const other of ['pt-s004', 'hospb.pt-s004', 'nobody', 'bad%20id', 'x'.repeat(80)]) {
    const res = await get(`/ui/patients/${other}`, { cookie });
    expect(res.status).toBe(404);
    expect(res.text).toContain('Not found');
  }
  // the other source sees its own patient and not ours
  const b = await get('/ui/patients/pt-s004', { authorization: `Bearer ${TOKENS.hospB}` });
  expect(b.status).toBe(200);
  expect((await get('/ui/patients/hospa.pt-s002', { authorization: `Bearer ${TOKENS.hospB}` })).status).toBe(
    404,
  );
});

test('the cookie authorises FHIR reads (the evidence links) but never writes', async () => {
  expect((await get('/fhir/Patient/pt-s002', { cookie })).status).toBe(200);
  const write = await fetch(h.base + '/fhir/Patient/x1', {
    method: 'PUT',
    headers: { cookie, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Patient', id: 'x1' }),
  });
  expect(write.status).toBe(401);
});

test('cohort: own source; another source only with admin', async () => {
  const own = await get('/ui/cohort', { cookie });
  expect(own.status).toBe(200);
  expect(own.text).toContain('href="/ui/patients/hospa.pt-s002"');
  expect(own.text).not.toContain('hospb');
  expect((await get('/ui/cohort?source=hospb', { cookie })).status).toBe(403);
  expect((await get('/ui/cohort?source=Bad.Source', { cookie })).status).toBe(400);
  const admin = await get('/ui/cohort?source=hospb', { authorization: `Bearer ${TOKENS.admin}` });
  expect(admin.status).toBe(200);
  expect(admin.text).toContain('hospb.pt-s004');
  expect(admin.text).not.toContain('href="/ui/patients/hospb');
});

test('bad sign-in input is a 4xx page, never a 500', async () => {
  const post = (body: string, type = 'application/x-www-form-urlencoded') =>
    fetch(h.base + '/ui/sign-in', {
      method: 'POST',
      headers: { 'content-type': type },
      body,
      redirect: 'manual',
    });
  expect((await post('')).status).toBe(401);
  expect((await post('token=&next=https://evil.example')).status).toBe(401);
  expect((await post('token=' + 'a'.repeat(10_000))).status).toBe(413);
  expect((await post('{"token":"x"}', 'application/json')).status).toBe(401);
  expect((await post('token=x', 'text/plain')).status).toBe(415);
  const csrf = await fetch(h.base + '/ui/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    body: new URLSearchParams({ token: TOKENS.readOnly }).toString(),
    redirect: 'manual',
  });
  expect(csrf.status).toBe(403);
  expect(csrf.headers.get('set-cookie')).toBeNull();
  const open = await signIn(TOKENS.readOnly, 'https://evil.example/');
  expect(open.headers.get('location')).toBe('/ui/cohort');
});

test('sign-out clears the cookie', async () => {
  const res = await fetch(h.base + '/ui/sign-out', {
    method: 'POST',
    headers: { cookie },
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  expect(res.headers.get('set-cookie')).toMatch(/^bb_ui=; .*Max-Age=0/);
});
