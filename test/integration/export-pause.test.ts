/**
 * A worker process paused (SIGSTOP) in the middle of an export, long enough to lose its job lock: a
 * second worker process runs the same job meanwhile; then the first one continues (SIGCONT). Real
 * Redis, real worker processes. The export is published once, every file the manifest names
 * downloads complete, no run's directory is left behind, and the status never goes back to running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { TEST_REDIS_URL } from '../helpers/redis';
import { kickOff } from './export-fixtures';
import { downloadAll, expectExact, neverRegressed, seedPatients, watchRecord } from './export-run-checks';

const PATIENTS = 1500;
const PER_PATIENT = 4;
const PAUSE_MS = 6000;

let h: Harness;
let dir: string;
const children: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', '..', 'workers', 'export.ts')],
    {
      env: {
        ...process.env,
        KEY_PREFIX: h.prefix,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_EMBEDDED: 'never',
        EXPORT_DIR: dir,
        PORT: '0',
        LOG_LEVEL: 'silent',
        // A short lock, so the pause certainly outlasts it and the second worker takes the job over.
        JOB_LOCK_MS: '2000',
        JOB_STALLED_CHECK_MS: '1000',
      },
      stdio: 'ignore',
    },
  );
  children.push(child);
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, tries = 2400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`gave up waiting: ${what}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bb-export-pause-'));
  h = await startHarness('exportpause', { workers: false, config: { exportDir: dir } });
  await seedPatients(h.rt.store, PATIENTS, PER_PATIENT);
}, 180_000);

afterAll(async () => {
  const exits = children
    .filter((c) => c.exitCode === null && c.signalCode === null)
    .map((c) => {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGCONT');
      c.kill('SIGTERM');
      return exited;
    });
  await Promise.all(exits);
  await h.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

test('SIGSTOP during an export, a second worker runs it meanwhile, SIGCONT: one complete publication', async () => {
  const k = await kickOff(h, '/fhir/$export', TOKENS.hospB);
  expect(k.status).toBe(202);
  const statusPath = new URL(k.headers.get('content-location')!).pathname;
  const id = statusPath.split('/').pop()!;
  const watch = watchRecord(h.prefix, id);
  const folder = join(dir, id);
  const partials = () =>
    (existsSync(folder) ? readdirSync(folder) : []).filter((n) => n.endsWith('.partial'));

  const first = startWorker();
  await until('the first worker writes the export', async () => {
    const s = await h.request('GET', statusPath, { token: TOKENS.hospB });
    return /^Exported [1-9]\d* (of \d+ patients|patients so far)/.test(s.headers.get('x-progress') ?? '');
  });
  const firstRun = [...watch.runs];
  expect(firstRun).toHaveLength(1);
  first.kill('SIGSTOP');
  const pausedAt = Date.now();

  // While the first worker is stopped its lock expires; a second worker takes the job over.
  const second = startWorker();
  await until('the second worker claims the export', () => watch.runs.size >= 2, 4800);
  expect(partials().length).toBeGreaterThanOrEqual(1);
  await sleep(Math.max(0, PAUSE_MS - (Date.now() - pausedAt)));
  first.kill('SIGCONT');

  await until(
    'the export is complete and no run is still writing',
    async () =>
      (await h.request('GET', statusPath, { token: TOKENS.hospB })).status === 200 && partials().length === 0,
    4800,
  );
  await watch.stop();

  expect(neverRegressed(watch.statuses)).toBe(true);
  expectExact(await downloadAll(h, statusPath, TOKENS.hospB), {
    Patient: PATIENTS,
    MedicationAdministration: PATIENTS * PER_PATIENT,
  });
  // exactly one run's directory (the published one) is left; both workers are still alive
  expect(readdirSync(dir)).toEqual([id]);
  expect(readdirSync(folder)).toHaveLength(1);
  expect(first.exitCode).toBeNull();
  expect(second.exitCode).toBeNull();

  // the first worker, now running again, cannot reopen or republish the export
  await sleep(1000);
  expect((await h.request('GET', statusPath, { token: TOKENS.hospB })).status).toBe(200);
  expect(readdirSync(folder)).toHaveLength(1);
}, 420_000);
