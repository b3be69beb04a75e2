/**
 * Both pages in a real headless browser (Debian's chromium, driven by playwright-core) over the seed
 * fixtures posted through the FHIR API: no console errors, no request leaves 127.0.0.1, one cycle bar
 * per cycle of the course resources and one flag mark per DetectedIssue, a click on a flag shows its
 * evidence links and each answers 200. Screenshots go to .cache/ui-screenshots (not committed).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SEED_EXPECTATIONS } from '../fixtures/seeds/expectations';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', '..', '.cache', 'ui-screenshots');
const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-gpu',
];

let h: Harness;
let browser: Browser;
let context: BrowserContext;
const consoleErrors: string[] = [];
const offHost: string[] = [];
const patients: Array<{ id: string; file: string }> = [];

const fixture = (file: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'seeds', file), 'utf8')) as Bundle;

async function searchAll(path: string): Promise<any[]> {
  const out: any[] = [];
  let next: string | undefined = path;
  while (next) {
    const res = await h.request('GET', next, { token: TOKENS.hospA });
    expect(res.status).toBe(200);
    out.push(
      ...(res.body.entry ?? []).filter((e: any) => e.search?.mode !== 'outcome').map((e: any) => e.resource),
    );
    const link = (res.body.link ?? []).find((l: any) => l.relation === 'next')?.url;
    next = link ? new URL(link).pathname + new URL(link).search : undefined;
  }
  return out;
}

function watch(page: Page): Page {
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  mkdirSync(SHOTS, { recursive: true });
  h = await startHarness('ui-browser');
  for (const e of SEED_EXPECTATIONS) {
    const bundle = fixture(e.file);
    const res = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle });
    expect(res.status).toBe(200);
    patients.push({
      id: `hospa.${bundle.entry!.find((x) => x.resource?.resourceType === 'Patient')!.resource!.id}`,
      file: e.file,
    });
  }
  await h.idle(120_000);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  context = await browser.newContext({ viewport: { width: 1240, height: 900 } });
  // Every request is checked: anything not for the test server's loopback address is refused and recorded.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' && url.origin === h.base) return route.continue();
    offHost.push(url.href);
    return route.abort();
  });
  // Sign in through the form, once, as a user would.
  const page = watch(await context.newPage());
  await page.goto(`${h.base}/ui/cohort`);
  expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
  await page.fill('#token', TOKENS.readOnly);
  await Promise.all([page.waitForURL(`${h.base}/ui/cohort`), page.click('button[type=submit]')]);
  expect(page.url()).not.toContain(TOKENS.readOnly);
  await page.close();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

afterEach(() => {
  expect(consoleErrors).toEqual([]);
  expect(offHost).toEqual([]);
});

describe.each(SEED_EXPECTATIONS.map((e) => e.file))('timeline of %s', (file) => {
  test('bars and marks match the resources; a flag click shows evidence links that answer 200', async () => {
    const patient = patients.find((p) => p.file === file)!.id;
    const courses = (await searchAll(`/fhir/MedicationStatement?patient=Patient/${patient}`)).filter(
      (c) => c.status !== 'entered-in-error',
    );
    const issues = await searchAll(`/fhir/DetectedIssue?patient=Patient/${patient}`);
    const cycles = courses.reduce(
      (n, c) => n + c.extension.filter((x: any) => x.url.endsWith('/course-cycle')).length,
      0,
    );

    const page = watch(await context.newPage());
    const res = await page.goto(`${h.base}/ui/patients/${patient}`);
    expect(res!.status()).toBe(200);
    expect(await page.locator('svg.timeline .course-row').count()).toBe(courses.length);
    expect(await page.locator('svg.timeline .cycle-bar').count()).toBe(cycles);
    expect(await page.locator('svg.timeline .flag-mark').count()).toBe(issues.length);
    expect(await page.locator('svg.timeline title').count()).toBeGreaterThan(cycles);

    for (const issue of issues) {
      const mark = page.locator(`.flag-mark[data-flag="${issue.id}"]`);
      await mark.click();
      const detail = page.locator(`details#flag-${issue.id}`);
      expect(await detail.getAttribute('open')).not.toBeNull();
      const links = detail.locator('a.evidence-link');
      expect(await links.count()).toBe(issue.evidence[0].detail.length);
      for (const href of await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')!))) {
        const answer = await page.request.get(h.base + href);
        expect(answer.status()).toBe(200);
        expect((await answer.json()).resourceType).toBe(href.split('/')[2]);
      }
    }
    if (issues.length > 0) {
      // keyboard: Enter on a focused mark opens its detail too
      await page.locator('details[open]').evaluateAll((ds) => ds.forEach((d) => d.removeAttribute('open')));
      await page.locator('.flag-mark').first().focus();
      await page.keyboard.press('Enter');
      expect(await page.locator('details[open]').count()).toBe(1);
    }
    await page.screenshot({ path: join(SHOTS, `timeline-${file.replace('.json', '')}.png`), fullPage: true });
    await page.close();
  }, 120_000);
});

test('cohort page: lanes, bars and marks match every course and flag; a lane opens its timeline', async () => {
  const courses = (await searchAll('/fhir/MedicationStatement?_count=1000')).filter(
    (c) => c.status !== 'entered-in-error',
  );
  const issues = await searchAll('/fhir/DetectedIssue?_count=1000');
  const cycles = courses.reduce(
    (n, c) => n + c.extension.filter((x: any) => x.url.endsWith('/course-cycle')).length,
    0,
  );

  const page = watch(await context.newPage());
  expect((await page.goto(`${h.base}/ui/cohort`))!.status()).toBe(200);
  expect(await page.locator('svg.swimmer a.lane').count()).toBe(patients.length);
  expect(await page.locator('svg.swimmer .swim-cycle').count()).toBe(cycles);
  expect(await page.locator('svg.swimmer .swim-flag').count()).toBe(issues.length);
  expect(await page.locator('table.figures tbody tr').count()).toBeGreaterThanOrEqual(12);
  for (const study of ['65', 'MT103-211', 'TOWER', 'BLAST']) {
    expect(await page.locator('table.figures').innerText()).toContain(study);
  }
  await page.screenshot({ path: join(SHOTS, 'cohort.png'), fullPage: true });
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: join(SHOTS, 'cohort-print.png'), fullPage: true });
  await page.emulateMedia({ media: 'screen' });

  const target = patients[0].id;
  await Promise.all([
    page.waitForURL(`${h.base}/ui/patients/${target}`),
    page.locator(`a.lane[data-patient="${target}"] rect`).first().click(),
  ]);
  expect(await page.locator('svg.timeline').count()).toBe(1);
  await page.close();
}, 120_000);

test('the timeline prints on one A4 landscape page width', async () => {
  const page = watch(await context.newPage());
  await page.goto(`${h.base}/ui/patients/${patients.find((p) => p.file === 'seed-002.json')!.id}`);
  const pdf = await page.pdf({ format: 'A4', landscape: true, preferCSSPageSize: true });
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  await page.emulateMedia({ media: 'print' });
  // A4 landscape minus 10 mm margins is 277 mm ≈ 1047 CSS px: the picture must fit it
  const width = await page.locator('svg.timeline').evaluate((e) => e.getBoundingClientRect().width);
  expect(width).toBeLessThanOrEqual(1047 + 1);
  await page.close();
}, 60_000);
