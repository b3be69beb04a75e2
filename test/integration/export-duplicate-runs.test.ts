/**
 * The export processor run twice at once on the same job (what BullMQ does when a worker paused past
 * its lock): real Redis, real BullMQ job, real files. Exactly one run publishes, the other deletes
 * only its own directories, every manifest URL answers, and the status never leaves complete.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { runExportAttempt, type AttemptOutcome } from '../../src/export/attempt';
import { ExportJobs, type ExportResult, type RunState } from '../../src/export/jobs';
import { createLogger } from '../../src/logger';
import { exportDirOf, processExport } from '../../src/queue/processors/export';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { kickOff } from './export-fixtures';
import { downloadAll, expectExact, neverRegressed, seedPatients, watchRecord } from './export-run-checks';

const PATIENTS = 300;
const PER_PATIENT = 3;
const EXPECTED = { Patient: PATIENTS, MedicationAdministration: PATIENTS * PER_PATIENT };

let h: Harness;
let dir: string;
let jobs: ExportJobs;
const log = createLogger('silent');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bb-export-dup-'));
  // No workers: the test itself runs the processor.
  h = await startHarness('exportdup', { workers: false, config: { exportDir: dir } });
  jobs = new ExportJobs(h.rt.conn, h.prefix);
  await seedPatients(h.rt.store, PATIENTS, PER_PATIENT);
}, 120_000);

afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** A queued export (record + BullMQ job, nobody working on it): its id, status path and job. */
async function queuedExport(): Promise<{ id: string; statusPath: string; job: Job<{ id?: string }> }> {
  const k = await kickOff(h, '/fhir/$export', TOKENS.hospB);
  expect(k.status).toBe(202);
  const statusPath = new URL(k.headers.get('content-location')!).pathname;
  const id = statusPath.split('/').pop()!;
  const job = (await h.rt.queues.get('export').getJob(id)) as Job<{ id?: string }>;
  expect(job).toBeDefined();
  return { id, statusPath, job };
}

const deps = (j: ExportJobs = jobs) => ({
  store: h.rt.store,
  jobs: j,
  exportDir: dir,
  ttlSeconds: 3600,
  log,
});

const attemptDeps = (j: ExportJobs, onProgress?: () => Promise<void>) => ({
  store: h.rt.store,
  jobs: j,
  ttlSeconds: 3600,
  now: Date.now,
  checkpointEveryMs: 0,
  onProgress,
});

const entries = (id: string) => readdirSync(exportDirOf(dir, id)).sort();

test('the processor run twice at once on one job: one publication, complete files, no leftovers', async () => {
  const { id, statusPath, job } = await queuedExport();
  const watch = watchRecord(h.prefix, id);
  const results = await Promise.all([processExport(job, deps()), processExport(job, deps())]);
  await watch.stop();

  const published = results.filter((r) => 'resources' in r && r.resources !== undefined);
  expect(published).toHaveLength(1);
  const other = results.find((r) => !published.includes(r));
  expect(['superseded', 'complete']).toContain((other as { status: string }).status);
  expect(neverRegressed(watch.statuses)).toBe(true);

  expectExact(await downloadAll(h, statusPath, TOKENS.hospB), EXPECTED);
  // only the published run's directory is left: the other run removed its own
  const rec = await jobs.get(id);
  expect(entries(id)).toEqual([rec!.result!.dir.split('/').pop()]);
}, 120_000);

test('a newer run claims while the older one is writing: the older stops and removes only its own files', async () => {
  const { id, statusPath } = await queuedExport();
  const spec = (await jobs.get(id))!.spec;
  const folder = exportDirOf(dir, id);
  let newer: AttemptOutcome | undefined;
  let seenWhileOlderWrote: string[] = [];
  const older = await runExportAttempt(
    attemptDeps(jobs, async () => {
      if (newer) return;
      // the older run has written its first patient: now a second run does the whole export
      newer = await runExportAttempt(attemptDeps(jobs), spec, folder);
      seenWhileOlderWrote = entries(id);
    }),
    spec,
    folder,
  );
  expect(newer?.status).toBe('published');
  expect(older).toEqual({ status: 'superseded' });
  // while both existed, the older run's partial directory sat beside the newer run's published one
  expect(seenWhileOlderWrote.filter((n) => n.endsWith('.partial'))).toHaveLength(1);
  expect(entries(id).filter((n) => n.endsWith('.partial'))).toEqual([]);
  expect(entries(id)).toHaveLength(1);
  expectExact(await downloadAll(h, statusPath, TOKENS.hospB), EXPECTED);
}, 120_000);

/** Jobs whose publication waits for `release` (an older run paused between writing and publishing). */
class PausedBeforePublish extends ExportJobs {
  release: () => void = () => undefined;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  reached: Promise<void>;
  private arrive: () => void = () => undefined;
  constructor(...args: ConstructorParameters<typeof ExportJobs>) {
    super(...args);
    this.reached = new Promise<void>((r) => (this.arrive = r));
  }
  override async publish(
    id: string,
    token: string,
    result: ExportResult,
    expiresAt: number,
    ttlSeconds: number,
  ): Promise<RunState> {
    this.arrive();
    await this.gate;
    return super.publish(id, token, result, expiresAt, ttlSeconds);
  }
}

test('an older run paused just before publishing: it loses the compare-and-set and deletes only its own files', async () => {
  const { id, statusPath } = await queuedExport();
  const spec = (await jobs.get(id))!.spec;
  const folder = exportDirOf(dir, id);
  const paused = new PausedBeforePublish(h.rt.conn, h.prefix);
  const watch = watchRecord(h.prefix, id);
  const olderRun = runExportAttempt(attemptDeps(paused), spec, folder);
  await paused.reached; // all files written and renamed, publication pending
  expect(entries(id)).toHaveLength(1);

  const newer = await runExportAttempt(attemptDeps(jobs), spec, folder);
  expect(newer.status).toBe('published');
  const before = await downloadAll(h, statusPath, TOKENS.hospB);
  paused.release();
  const olderOutcome = await olderRun;
  await watch.stop();
  // the export is complete already: the older run's publication is refused
  expect(olderOutcome).toEqual({ status: 'complete' });

  expect(neverRegressed(watch.statuses)).toBe(true);
  const after = await downloadAll(h, statusPath, TOKENS.hospB);
  expect(after.manifest).toEqual(before.manifest);
  expectExact(after, EXPECTED);
  expect(entries(id)).toEqual([(await jobs.get(id))!.result!.dir.split('/').pop()]);
}, 120_000);

test('a run that starts after publication changes nothing, and progress cannot reopen the export', async () => {
  const { id, statusPath, job } = await queuedExport();
  await processExport(job, deps());
  const before = await downloadAll(h, statusPath, TOKENS.hospB);
  const spec = (await jobs.get(id))!.spec;
  expect(await runExportAttempt(attemptDeps(jobs), spec, exportDirOf(dir, id))).toEqual({
    status: 'complete',
  });
  expect(await jobs.claim(id, 'late-run', exportDirOf(dir, id))).toBe('complete');
  expect(await jobs.progress(id, 'late-run', '1 patients')).toBe('complete');
  expect((await jobs.get(id))!.status).toBe('complete');
  expect((await downloadAll(h, statusPath, TOKENS.hospB)).manifest).toEqual(before.manifest);
  expect(entries(id)).toHaveLength(1);
}, 120_000);
