/**
 * Regenerates the README screenshots of the pages (docs/ui-timeline.png, docs/ui-cohort.png):
 * an in-process bitebridge on a private key prefix (its keys are deleted afterwards), the seed
 * fixtures posted over HTTP, then Debian's chromium signs in and photographs both pages.
 *   npm run ui:screenshots            (needs Redis as for `npm start`, and /usr/bin/chromium)
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { TokenRegistry } from '../src/auth/tokens';
import { createLogger } from '../src/logger';
import { createRuntime, startApi, stopRuntime, type Runtime } from '../src/runtime';
import { WORKERS } from '../workers';

const ROOT = join(__dirname, '..');
const SEEDS = join(ROOT, 'test', 'fixtures', 'seeds');
const OUT = join(ROOT, 'docs');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-gpu',
];

async function idle(rt: Runtime, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let quiet = 0;
  while (Date.now() < end) {
    let busy = 0;
    for (const q of rt.queues.all()) {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      busy += Object.values(c).reduce((a, b) => a + b, 0);
    }
    quiet = busy === 0 ? quiet + 1 : 0;
    if (quiet >= 3) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('queues did not drain');
}

async function deleteKeys(rt: Runtime, prefix: string): Promise<void> {
  for (const pattern of [`${prefix}:*`, `{${prefix}:q}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await rt.store.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await rt.store.redis.del(...keys);
    } while (cursor !== '0');
  }
}

async function main(): Promise<void> {
  const prefix = `shots-${randomBytes(4).toString('hex')}`;
  const token = randomBytes(24).toString('base64url');
  const rt = await createRuntime({ keyPrefix: prefix, port: 0 }, createLogger('warn'));
  try {
    const app = await startApi(rt, {
      registry: new TokenRegistry([{ token, source: 'demo', scopes: ['ingest', 'read'] }]),
      origin: 'screenshots',
    });
    for (const f of Object.values(WORKERS)) f?.(rt);
    const addr = app.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    for (const file of readdirSync(SEEDS)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const res = await fetch(`${base}/fhir`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
        body: readFileSync(join(SEEDS, file), 'utf8'),
      });
      if (res.status !== 200) throw new Error(`${file}: HTTP ${res.status}`);
    }
    await idle(rt);

    mkdirSync(OUT, { recursive: true });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      // Scale 0.75 keeps the PNGs small (the README shows them at about this size anyway).
      const page = await browser.newPage({ viewport: { width: 1140, height: 800 }, deviceScaleFactor: 0.75 });
      await page.route('**/*', (r) =>
        new URL(r.request().url()).origin === base ? r.continue() : r.abort(),
      );
      await page.goto(`${base}/ui/sign-in`);
      await page.fill('#token', token);
      await Promise.all([page.waitForURL(`${base}/ui/cohort`), page.click('button[type=submit]')]);
      // the figures and the swimmer plot: everything down to the end of the swimmer
      const bottom = await page.locator('svg.swimmer').evaluate((e) => e.getBoundingClientRect().bottom);
      await page.screenshot({
        path: join(OUT, 'ui-cohort.png'),
        fullPage: true,
        clip: { x: 0, y: 0, width: 1140, height: Math.ceil(bottom) + 10 },
      });
      // the timeline with one flag's evidence open (clip in page coordinates: the click scrolls)
      await page.goto(`${base}/ui/patients/demo.pt-s003`);
      await page.locator('.flag-mark').nth(4).click();
      const open = await page
        .locator('details[open]')
        .evaluate(
          (e) => e.getBoundingClientRect().bottom + (globalThis as unknown as { scrollY: number }).scrollY,
        );
      await page.screenshot({
        path: join(OUT, 'ui-timeline.png'),
        fullPage: true,
        clip: { x: 0, y: 0, width: 1140, height: Math.ceil(open) + 10 },
      });
    } finally {
      await browser.close();
    }
    console.log(`wrote ${join('docs', 'ui-cohort.png')} and ${join('docs', 'ui-timeline.png')}`);
  } finally {
    await deleteKeys(rt, prefix);
    await stopRuntime(rt);
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`ui-screenshots: ${err.message}`);
    process.exit(1);
  },
);
