/**
 * A worker killed mid-export: the export worker runs in a child process and is SIGKILLed while it
 * writes; a second worker picks the stalled job up and restarts it cleanly. The manifest appears only
 * once, complete. The killed run's partial directory stays inside the export's folder (removed with the
 * export), never beside the published files' names.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { TEST_REDIS_URL } from '../helpers/redis';
import { infusion, kickOff, type Manifest } from './export-fixtures';

const PATIENTS = 2000;
const PER_PATIENT = 9;

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
      },
      stdio: 'ignore',
    },
  );
  children.push(child);
  return child;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bb-export-crash-'));
  h = await startHarness('exportcrash', { workers: false, config: { exportDir: dir } });
  // Written straight into the store: the export, not ingest, is under test here.
  const store = h.rt.store;
  for (let p = 0; p < PATIENTS; p += 100) {
    const writes: Promise<unknown>[] = [];
    for (let q = p; q < p + 100; q++) {
      const pid = `hospb.c${q}`;
      writes.push(
        store.upsertSource({
          key: `Patient/${pid}`,
          patient: pid,
          resource: { resourceType: 'Patient', id: pid },
          fingerprint: pid,
        }),
      );
      for (let i = 0; i < PER_PATIENT; i++) {
        const ma = infusion(`${pid}-${i}`, pid, `2015-02-${String(i + 1).padStart(2, '0')}`);
        writes.push(
          store.upsertSource({
            key: `MedicationAdministration/${ma.id}`,
            patient: pid,
            resource: ma,
            fingerprint: `${pid}-${i}`,
          }),
        );
      }
    }
    await Promise.all(writes);
  }
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await h.close();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a SIGKILLed export worker: the job is picked up again and the export completes exactly once', async () => {
  const k = await kickOff(h, '/fhir/$export', TOKENS.hospB);
  expect(k.status).toBe(202);
  const statusPath = new URL(k.headers.get('content-location')!).pathname;
  const id = statusPath.split('/').pop()!;
  const first = startWorker();

  // wait until the first worker is writing (some patients done, not finished), then kill it
  let progress = '';
  for (let i = 0; i < 1200; i++) {
    const s = await h.request('GET', statusPath, { token: TOKENS.hospB });
    progress = s.headers.get('x-progress') ?? '';
    if (s.status !== 202 || /^Exported [1-9]\d* (of \d+ )?patients/.test(progress)) break;
    await sleep(25);
  }
  expect(progress).toMatch(/^Exported [1-9]\d* (of \d+ )?patients/);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const partials = () => readdirSync(join(dir, id)).filter((n) => n.endsWith('.partial'));
  expect(partials()).toHaveLength(1);
  expect((await h.request('GET', statusPath, { token: TOKENS.hospB })).status).toBe(202);

  startWorker();
  let done: { status: number; body: any } = { status: 202, body: undefined };
  for (let i = 0; i < 1200 && done.status === 202; i++) {
    await sleep(100);
    done = await h.request('GET', statusPath, { token: TOKENS.hospB });
  }
  expect(done.status).toBe(200);
  const manifest = done.body as Manifest;
  expect(Object.fromEntries(manifest.output.map((o) => [o.type, o.count]))).toEqual({
    Patient: PATIENTS,
    MedicationAdministration: PATIENTS * PER_PATIENT,
  });
  for (const o of manifest.output) {
    const file = await h.request('GET', new URL(o.url).pathname, { token: TOKENS.hospB });
    expect(file.status).toBe(200);
    // the harness parses a one-line body as JSON; several lines stay text
    const text = typeof file.body === 'string' ? file.body : JSON.stringify(file.body);
    const lines = text.trim().split('\n');
    expect(lines.length).toBe(o.count);
    expect(new Set(lines.map((l) => JSON.parse(l).id)).size).toBe(o.count);
  }
  expect(readdirSync(dir)).toEqual([id]);
  // the published run's directory and the killed run's partial one: nothing else
  expect(readdirSync(join(dir, id))).toHaveLength(2);
  expect(partials()).toHaveLength(1);
}, 300_000);

test('DELETE while an export is running stops it at the next patient and leaves no files', async () => {
  if (!children.some((c) => c.exitCode === null && c.signalCode === null)) startWorker();
  const k = await kickOff(h, '/fhir/$export', TOKENS.hospB);
  const statusPath = new URL(k.headers.get('content-location')!).pathname;
  const id = statusPath.split('/').pop()!;
  let progress = '';
  for (let i = 0; i < 1200 && !/^Exported [1-9]\d* (of \d+ )?patients/.test(progress); i++) {
    await sleep(25);
    progress = (await h.request('GET', statusPath, { token: TOKENS.hospB })).headers.get('x-progress') ?? '';
  }
  expect(progress).toMatch(/^Exported [1-9]\d* (of \d+ )?patients/);
  expect((await h.request('DELETE', statusPath, { token: TOKENS.hospB })).status).toBe(202);
  const mine = () => readdirSync(dir).filter((n) => n.startsWith(id));
  // Bounded only by the test's timeout: a loaded CI machine can take many seconds to get there.
  for (let i = 0; i < 1200 && mine().length; i++) await sleep(50);
  expect(mine()).toEqual([]);
  expect((await h.request('GET', statusPath, { token: TOKENS.hospB })).status).toBe(404);
  let job = await h.rt.queues.get('export').getJob(id);
  for (let i = 0; i < 1200 && job && (await job.getState()) !== 'completed'; i++) {
    await sleep(50);
    job = await h.rt.queues.get('export').getJob(id);
  }
  expect(job?.returnvalue).toEqual({ id, status: 'cancelled' });
}, 120_000);
