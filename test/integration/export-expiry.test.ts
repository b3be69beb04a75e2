/**
 * Export files expire after EXPORT_TTL_SECONDS (1 s here): an expired export answers 404 on every
 * URL, and the sweeper deletes expired files even when nobody asks for them again.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { waitFor } from '../helpers/processes';
import { exportAll, patientBundle, post } from './export-fixtures';

let h: Harness;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bb-export-ttl-'));
  h = await startHarness('exportttl', { config: { exportDir: dir, exportTtlSeconds: 1 } });
  await post(h, TOKENS.hospB, patientBundle('p1', 2));
  await h.idle();
}, 120_000);
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('an expired export answers 404 on its status URL and its files', async () => {
  const { manifest } = await exportAll(h, '/fhir/$export', TOKENS.hospB);
  const file = new URL(manifest.output[0].url).pathname;
  const status = file.split('/').slice(0, -1).join('/');
  await sleep(1200);
  expect((await h.request('GET', file, { token: TOKENS.hospB })).status).toBe(404);
  expect((await h.request('GET', status, { token: TOKENS.hospB })).status).toBe(404);
  // The sweeper may be the one removing it: it deletes the record first (so every URL answers 404 at
  // once), then the folder, which can take a moment on a loaded machine.
  const folder = join(dir, status.split('/').pop()!);
  await waitFor('the expired export folder to be deleted', async () => !existsSync(folder), 30_000, 50);
});

test('the sweeper deletes expired files nobody asked for again', async () => {
  const { manifest } = await exportAll(h, '/fhir/$export', TOKENS.hospB);
  const id = new URL(manifest.output[0].url).pathname.split('/')[3];
  expect(existsSync(join(dir, id))).toBe(true);
  for (let i = 0; i < 100 && existsSync(join(dir, id)); i++) await sleep(100);
  expect(existsSync(join(dir, id))).toBe(false);
  expect(readdirSync(dir)).toEqual([]);
  expect(await h.rt.store.redis.exists(`${h.prefix}:export:${id}`)).toBe(0);
});
