/** Session cookies: signed, expiring, narrowed to read/admin; sign-in redirects stay on /ui. */
import { cookieGrant, readCookie, Sessions, sessionCookie } from '../../src/ui/session';
import { safeNext } from '../../src/ui/routes';

const DIGEST = 'a'.repeat(64);

test('a cookie verifies to its token digest until it expires', () => {
  let now = 1_000_000_000_000;
  const s = new Sessions({ secret: 'x'.repeat(32), ttlSeconds: 60, now: () => now });
  const v = s.issue(DIGEST);
  expect(v).not.toContain('token');
  expect(s.verify(v)).toBe(DIGEST);
  now += 61_000;
  expect(s.verify(v)).toBeUndefined();
});

test('a tampered, foreign or malformed cookie is refused', () => {
  const s = new Sessions({ secret: 'x'.repeat(32) });
  const other = new Sessions({ secret: 'y'.repeat(32) });
  const v = s.issue(DIGEST);
  const [exp, d, mac] = v.split('.');
  expect(s.verify(`${Number(exp) + 100000}.${d}.${mac}`)).toBeUndefined();
  expect(s.verify(`${exp}.${'b'.repeat(64)}.${mac}`)).toBeUndefined();
  expect(s.verify(other.issue(DIGEST))).toBeUndefined();
  for (const bad of ['', 'x', `${exp}.${d}`, `${v}.more`, 'a'.repeat(9000)])
    expect(s.verify(bad)).toBeUndefined();
  expect(() => new Sessions({ secret: 'short' })).toThrow(/32 characters/);
});

test('the cookie is HttpOnly, SameSite=Strict, and Secure when asked', () => {
  expect(sessionCookie('v', { maxAge: 10, secure: false })).toBe(
    'bb_ui=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=10',
  );
  expect(sessionCookie('v', { maxAge: 10, secure: true })).toMatch(/; Secure$/);
  expect(readCookie('a=1; bb_ui=xyz; c=3', 'bb_ui')).toBe('xyz');
  expect(readCookie(undefined, 'bb_ui')).toBeUndefined();
});

test('a cookie carries read/admin only, never ingest or export', () => {
  expect(cookieGrant({ source: 'hospa', scopes: ['ingest', 'read', 'export', 'admin'] })!.scopes).toEqual([
    'read',
    'admin',
  ]);
  expect(cookieGrant({ source: 'hospa', scopes: ['ingest'] })).toBeUndefined();
});

test('after sign-in the browser goes to a /ui path only', () => {
  expect(safeNext('/ui/patients/p1')).toBe('/ui/patients/p1');
  for (const bad of [
    'https://evil.example/',
    '//evil.example',
    '/ui//evil',
    '/fhir/Patient',
    '/ui/x?y=1',
    undefined,
    5,
  ]) {
    expect(safeNext(bad)).toBe('/ui/cohort');
  }
});
