/**
 * The UI pages are drawn on a worker thread, not on the API's event loop: a large registry's cohort
 * page is tens to hundreds of milliseconds of CPU (summary figures, swimmer plot). While one is drawn
 * the API answers; when the pages' queue is full a page is refused at once with 503 and Retry-After.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

const seed = (file: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'seeds', file), 'utf8'));

const page = async (h: Harness, path: string) => {
  const res = await fetch(h.base + path, { headers: { authorization: `Bearer ${TOKENS.readOnly}` } });
  return { status: res.status, headers: res.headers, text: await res.text() };
};

describe('pages drawn off the event loop', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('ui-thread');
    expect(
      (await h.request('POST', '/fhir', { token: TOKENS.hospA, body: seed('seed-002.json') })).status,
    ).toBe(200);
    await h.idle(60_000);
  }, 120_000);
  afterAll(async () => {
    await h.close();
  });

  test('/healthz answers while the cohort page is being drawn; the page then arrives whole', async () => {
    const order: string[] = [];
    const cohort = page(h, '/ui/cohort').then((r) => {
      order.push('cohort');
      return r;
    });
    const pool = h.rt.api!.uiRenderPool!;
    while (pool.inFlight === 0 && order.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    expect((await h.request('GET', '/healthz')).status).toBe(200);
    order.push('healthz');
    const res = await cohort;
    expect(order).toEqual(['healthz', 'cohort']);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Swimmer plot');
    expect(res.text).toContain('href="/ui/patients/');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  }, 60_000);

  test('the timeline page is drawn there too, with its flag script allowed by hash', async () => {
    const res = await page(h, '/ui/patients/pt-s002');
    expect(res.status).toBe(200);
    expect(res.text).toContain('blinatumomab timeline');
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
  }, 60_000);
});

describe('a full pages queue', () => {
  let busy: Harness;
  beforeAll(async () => {
    busy = await startHarness('ui-thread-busy', { workers: false, config: { uiPagesMaxQueue: 0 } });
  });
  afterAll(async () => {
    await busy.close();
  });

  test('refuses a page at once with 503, Retry-After and a plain message; the others are drawn', async () => {
    const answers = await Promise.all(Array.from({ length: 4 }, () => page(busy, '/ui/cohort')));
    const refused = answers.filter((a) => a.status === 503);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.headers.get('retry-after')).toBeTruthy();
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.text).toContain('Too many pages are being drawn');
    }
  }, 60_000);
});
