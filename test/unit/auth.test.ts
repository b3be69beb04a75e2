import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digest, loadTokens, TokenRegistry } from '../../src/auth/tokens';

describe('TokenRegistry', () => {
  const reg = new TokenRegistry([
    { token: 'abcdefghijklmnop-1', source: 'hospa', scopes: ['ingest'] },
    { sha256: digest('abcdefghijklmnop-2'), source: 'reg-1', scopes: ['read', 'export'] },
  ]);

  test('bearer tokens map to their grant', () => {
    expect(reg.lookup('Bearer abcdefghijklmnop-1')).toEqual({
      source: 'hospa',
      scopes: ['ingest'],
      label: undefined,
    });
    expect(reg.lookup('bearer abcdefghijklmnop-2')?.source).toBe('reg-1');
  });

  test('HTTP Basic with the token as password (for the dashboard in a browser)', () => {
    const basic = Buffer.from('ops:abcdefghijklmnop-1').toString('base64');
    expect(reg.lookup(`Basic ${basic}`)?.source).toBe('hospa');
  });

  test.each([undefined, '', 'Bearer', 'Bearer wrong-token-xxxxxxx', 'Token abcdefghijklmnop-1'])(
    'no grant for %p',
    (h) => {
      expect(reg.lookup(h)).toBeUndefined();
    },
  );

  test.each([
    [{ token: 'abcdefghijklmnop', source: 'Hosp.A', scopes: ['read'] }, /source/],
    [{ token: 'abcdefghijklmnop', source: 'a', scopes: [] }, /scopes/],
    [{ token: 'abcdefghijklmnop', source: 'a', scopes: ['root'] }, /scopes/],
    [{ token: 'short', source: 'a', scopes: ['read'] }, /shorter/],
    [{ source: 'a', scopes: ['read'] }, /sha256/],
  ])('rejects a bad spec %#', (spec, msg) => {
    expect(() => new TokenRegistry([spec as never])).toThrow(msg);
  });
});

describe('loadTokens', () => {
  test('generates a local token once, saved with mode 0600, then reuses it without showing it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bb-tok-')), 'sub', 'local-token.json');
    const first = loadTokens({ localTokenFile: file });
    expect(first.generatedToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.registry.lookup(`Bearer ${first.generatedToken}`)?.scopes).toEqual([
      'ingest',
      'read',
      'export',
      'admin',
    ]);
    const second = loadTokens({ localTokenFile: file });
    expect(second.generatedToken).toBeUndefined();
    expect(second.origin).toContain(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))[0].source).toBe('local');
  });

  test('BITEBRIDGE_TOKENS wins and must be a JSON array', () => {
    const r = loadTokens({
      tokensJson: JSON.stringify([{ token: 'abcdefghijklmnopq', source: 'x', scopes: ['read'] }]),
      localTokenFile: '/nonexistent',
    });
    expect(r.origin).toBe('BITEBRIDGE_TOKENS');
    expect(() => loadTokens({ tokensJson: '{', localTokenFile: '/x' })).toThrow(/not valid JSON/);
    expect(() => loadTokens({ tokensJson: '{}', localTokenFile: '/x' })).toThrow(/array/);
  });
});

test('the same token configured twice is refused (it could change source silently)', () => {
  expect(
    () =>
      new TokenRegistry([
        { token: 'abcdefghijklmnop-9', source: 'a', scopes: ['read'] },
        { token: 'abcdefghijklmnop-9', source: 'b', scopes: ['admin'] },
      ]),
  ).toThrow(/twice/);
  expect(() => new TokenRegistry([null as never])).toThrow(/expected an object/);
});
