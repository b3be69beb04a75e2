/**
 * The bull-board dashboard works offline (nothing fetched from other hosts: no Google Fonts) and when
 * opened with credentials in the URL (which would make its translation fetches fail: raw i18n keys).
 */
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('dashboard', { workers: false });
}, 60_000);
afterAll(async () => {
  await h.close();
});

const basic = { authorization: `Basic ${Buffer.from(`ops:${TOKENS.admin}`).toString('base64')}` };

test('the page references no other host and forbids it by CSP', async () => {
  const page = await h.request('GET', '/admin/queues', { headers: basic });
  expect(page.status).toBe(200);
  const html = String(page.body);
  expect(html).toContain('<div id="root">');
  expect(html).not.toContain('fonts.googleapis.com');
  // every src/href is relative to the dashboard (its <base>)
  const urls = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
  expect(urls.length).toBeGreaterThan(3);
  expect(urls.filter((u) => /^(https?:)?\/\//.test(u))).toEqual([]);
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("font-src 'self'");
});

test('URL credentials are stripped before the page fetches its translations, which are served locally', async () => {
  const html = String((await h.request('GET', '/admin/queues', { headers: basic })).body);
  const head = html.slice(0, html.indexOf('</head>'));
  const strip = head.indexOf('u.username=');
  expect(strip).toBeGreaterThan(-1);
  expect(strip).toBeLessThan(head.indexOf('static/'));
  const messages = await h.request('GET', '/admin/queues/static/locales/en-US/messages.json', {
    headers: basic,
  });
  expect(messages.status).toBe(200);
  expect(Object.keys(messages.body).length).toBeGreaterThan(0);
});
