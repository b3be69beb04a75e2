/**
 * Writes one export from the store: walks the scopes patient by patient and streams every kept
 * resource as one NDJSON line into a file per type, never holding more than one scan page.
 * `writeExport` fills one working directory that belongs to one run and to nobody else; the queue
 * worker publishes it through a compare-and-set on the job record (attempt.ts), the CLI renames it
 * over its output directory (`runExport`). A crashed run leaves only its own `.partial` directory.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Group, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../fhir/outcome';
import { readVisible } from '../search/read';
import { splitKey } from '../search/match';
import { scanResources, visibleScopes } from '../search/scan';
import type { Scope } from '../store/keys';
import type { StoredResource, Store } from '../store/store';
import type { ExportFile, ExportResult, ExportSpec } from './jobs';
import { groupPatients, typeFilterMatcher } from './request';
import { subset } from './elements';

/** Why a run stopped early: its record was deleted, or a newer run of the same export took it over. */
export class ExportCancelled extends Error {
  constructor(readonly reason: 'cancelled' | 'superseded' = 'cancelled') {
    super(`export ${reason}`);
  }
}

/** Patients read concurrently; their data is small, so this bounds memory to a few patients. */
const PREFETCH = 16;

async function* chunked<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

export interface RunHooks {
  /** Called between patients; throw ExportCancelled (or return false, meaning cancelled) to stop. */
  checkpoint?: (done: number, total: number) => Promise<boolean>;
}

/** Resolves on 'drain', or on 'close' when the stream failed; leaves no listener behind. */
function drained(ws: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      ws.off('drain', done);
      ws.off('close', done);
      resolve();
    };
    ws.on('drain', done);
    ws.on('close', done);
  });
}

class NdjsonFiles {
  private readonly streams = new Map<string, { ws: WriteStream; count: number; file: string }>();
  /** The first stream error (open or write), rethrown by the next write or close. */
  private failure: Error | undefined;
  constructor(private readonly dir: string) {}

  async write(type: string, line: string): Promise<void> {
    if (this.failure) throw this.failure;
    let s = this.streams.get(type);
    if (!s) {
      const file = `${type}.ndjson`;
      const ws = createWriteStream(join(this.dir, file), { encoding: 'utf8' });
      ws.on('error', (err) => (this.failure ??= err));
      s = { ws, count: 0, file };
      this.streams.set(type, s);
    }
    s.count++;
    if (!s.ws.write(line + '\n')) await drained(s.ws);
    if (this.failure) throw this.failure;
  }

  async close(): Promise<ExportFile[]> {
    const files: ExportFile[] = [];
    for (const [type, s] of this.streams) {
      await new Promise<void>((resolve) => s.ws.end(() => resolve()));
      files.push({ type, file: s.file, count: s.count });
    }
    if (this.failure) throw this.failure;
    return files.sort((a, b) => a.type.localeCompare(b.type));
  }

  destroy(): void {
    for (const s of this.streams.values()) s.ws.destroy();
  }
}

async function scopesOf(
  store: Store,
  spec: ExportSpec,
  problems: OperationOutcomeIssue[],
): Promise<{ scopes: AsyncIterable<Scope>; total: number }> {
  if (spec.level === 'group') {
    const g = spec.group ? await readVisible(store, spec.source, 'Group', spec.group) : undefined;
    if (!g) {
      problems.push(issue('not-found', `Group ${spec.group ?? ''} no longer exists`));
      return { scopes: visibleScopes(store, spec.source, []), total: 0 };
    }
    const { patients: members, issues } = groupPatients(g.resource as Group, spec.source);
    problems.push(...issues);
    const patients = spec.patients ? members.filter((p) => spec.patients!.includes(p)) : members;
    return { scopes: visibleScopes(store, spec.source, patients), total: patients.length };
  }
  if (spec.patients) {
    const patients = spec.patients;
    return { scopes: visibleScopes(store, spec.source, patients), total: patients.length };
  }
  const all = visibleScopes(store, spec.source);
  const scopes = async function* () {
    for await (const s of all) if (spec.level === 'system' || 'patient' in s) yield s;
  };
  // The global patient count would tell one source how many patients the others have: report none.
  return { scopes: scopes(), total: 0 };
}

/** The files of one finished run, relative to the directory they were written into. */
export interface WrittenExport {
  output: ExportFile[];
  error: ExportFile[];
}

/**
 * Writes the export into `workDir`, which must not exist yet and belongs to this run alone. On any
 * failure (cancel included) the directory is removed and the error rethrown.
 */
export async function writeExport(
  store: Store,
  spec: ExportSpec,
  workDir: string,
  hooks: RunHooks = {},
): Promise<WrittenExport> {
  await mkdir(workDir, { recursive: true });
  const files = new NdjsonFiles(workDir);
  const problems: OperationOutcomeIssue[] = spec.ignored.map((p) =>
    issue('not-supported', `Parameter ${p} is not supported and was ignored`, p, 'warning'),
  );
  const window = { min: spec.since === undefined ? -Infinity : spec.since + 1, max: spec.transactionTime };
  const types = spec.types ? new Set(spec.types) : undefined;
  // Provenance (one per output version) only when asked for by `_type`: most pulls do not want it.
  const keepKey = (e: { key: string }) =>
    types ? types.has(splitKey(e.key).type) : splitKey(e.key).type !== 'Provenance';
  const keepBody = typeFilterMatcher(spec.typeFilters, spec.source);
  try {
    const { scopes, total } = await scopesOf(store, spec, problems);
    let done = 0;
    // Patients are read PREFETCH at a time (Redis round trips overlap) and written in order; the
    // unscoped scope, which can be large, is streamed page by page.
    const writeScope = async (resources: AsyncIterable<StoredResource[]> | StoredResource[][]) => {
      for await (const batch of resources) {
        for (const r of batch)
          if (keepBody(r))
            await files.write(
              r.resource.resourceType,
              JSON.stringify(spec.elements ? subset(r.resource, spec.elements) : r.resource),
            );
      }
    };
    const collect = async (scope: Scope) => {
      const pages: StoredResource[][] = [];
      for await (const page of scanResources(store, scope, window, spec.source, keepKey)) pages.push(page);
      return pages;
    };
    for await (const chunk of chunked(scopes, PREFETCH)) {
      const patients = chunk.filter((s) => 'patient' in s);
      const read = await Promise.all(patients.map(collect));
      for (const pages of read) {
        await writeScope(pages);
        done++;
        if (hooks.checkpoint && !(await hooks.checkpoint(done, Math.max(total, done))))
          throw new ExportCancelled();
      }
      for (const s of chunk)
        if (!('patient' in s)) await writeScope(scanResources(store, s, window, spec.source, keepKey));
    }
    const output = await files.close();
    const error: ExportFile[] = [];
    if (problems.length) {
      const errFiles = new NdjsonFiles(workDir);
      await errFiles.write('error', JSON.stringify({ resourceType: 'OperationOutcome', issue: problems }));
      const [f] = await errFiles.close();
      error.push({ type: 'OperationOutcome', file: f.file, count: f.count });
    }
    return { output, error };
  } catch (err) {
    files.destroy();
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The CLI's export: written beside `dir` in a directory of its own, then renamed to `dir` (replacing
 * an earlier export there) once every file is complete, so `dir` never holds a half-written export.
 */
export async function runExport(
  store: Store,
  spec: ExportSpec,
  dir: string,
  hooks: RunHooks = {},
): Promise<ExportResult> {
  const workDir = `${dir}.partial-${randomBytes(6).toString('hex')}`;
  const written = await writeExport(store, spec, workDir, hooks);
  await rm(dir, { recursive: true, force: true });
  await rename(workDir, dir);
  return { ...written, dir };
}
