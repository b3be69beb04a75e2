/**
 * The UI pages are drawn on a worker thread, not on the API's event loop: a large registry's cohort
 * page is hundreds of milliseconds of CPU (reading and parsing its stored courses and flags, the
 * figures, the swimmer plot). The route hands the pool only what to draw (the cohort: the source and
 * where to read it), and a full pool is refused at once with 503 and Retry-After. The pool itself
 * (work on another thread, the refusal) is test/unit/thread-pool.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ThreadPoolBusy } from '../../src/thread-pool';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

const seed = (file: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'seeds', file), 'utf8'));

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

const page = async (path: string) => {
  const res = await fetch(h.base + path, { headers: { authorization: `Bearer ${TOKENS.readOnly}` } });
  return { status: res.status, headers: res.headers, text: await res.text() };
};

test('the cohort page is read and drawn by the pages thread: the API hands over only the source', async () => {
  const pool = h.rt.api!.uiRenderPool!;
  const run = jest.spyOn(pool, 'run');
  try {
    const res = await page('/ui/cohort');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Swimmer plot');
    expect(res.text).toContain('href="/ui/patients/hospa.pt-s002"');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(run).toHaveBeenCalledTimes(1);
    const [task] = run.mock.calls[0];
    expect(task.page).toBe('cohort');
    expect(task.input).toMatchObject({ source: 'hospa', redis: { prefix: h.rt.store.prefix } });
    expect(task.input).not.toHaveProperty('courses');
    expect(task.input).not.toHaveProperty('flags');
  } finally {
    run.mockRestore();
  }
}, 60_000);

test('the timeline page is drawn there too, with its flag script allowed by hash', async () => {
  const run = jest.spyOn(h.rt.api!.uiRenderPool!, 'run');
  try {
    const res = await page('/ui/patients/pt-s002');
    expect(res.status).toBe(200);
    expect(res.text).toContain('blinatumomab timeline');
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
    expect(run.mock.calls.map(([task]) => task.page)).toEqual(['timeline']);
  } finally {
    run.mockRestore();
  }
}, 60_000);

test('a full pages pool: 503 at once, with Retry-After, no-store and a plain message', async () => {
  const run = jest.spyOn(h.rt.api!.uiRenderPool!, 'run').mockRejectedValueOnce(new ThreadPoolBusy());
  try {
    const res = await page('/ui/cohort');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text).toContain('Too many pages are being drawn');
    expect((await page('/ui/cohort')).status).toBe(200); // the next one is drawn
  } finally {
    run.mockRestore();
  }
}, 60_000);
