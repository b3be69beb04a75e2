/**
 * Helpers for the duplicate-run export suites: patients written straight into the store, a watcher of
 * the export record's status (to prove it never goes from complete back to running), and a check
 * that every file the manifest names downloads, parses and holds each resource exactly once.
 */
import { Redis } from 'ioredis';
import type { Harness } from '../helpers/harness';
import { TEST_REDIS_URL } from '../helpers/redis';
import { exportJobKey } from '../../src/store/keys';
import type { Store } from '../../src/store/store';
import { infusion, type Manifest } from './export-fixtures';

/** `patients` patients of source hospb with `perPatient` infusions each, written without ingest. */
export async function seedPatients(store: Store, patients: number, perPatient: number): Promise<void> {
  for (let p = 0; p < patients; p += 100) {
    const writes: Promise<unknown>[] = [];
    for (let q = p; q < Math.min(p + 100, patients); q++) {
      const pid = `hospb.d${q}`;
      writes.push(
        store.upsertSource({
          key: `Patient/${pid}`,
          patient: pid,
          resource: { resourceType: 'Patient', id: pid },
          fingerprint: pid,
        }),
      );
      for (let i = 0; i < perPatient; i++) {
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
}

/** Samples the record's status and run token until stopped; every change is kept in order. */
export function watchRecord(prefix: string, id: string) {
  const redis = new Redis(TEST_REDIS_URL);
  const statuses: string[] = [];
  const runs = new Set<string>();
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const [status, run] = await redis.hmget(exportJobKey(prefix, id), 'status', 'run');
      if (status && statuses[statuses.length - 1] !== status) statuses.push(status);
      if (run) runs.add(run);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    statuses,
    runs,
    async stop(): Promise<void> {
      stop = true;
      await loop;
      await redis.quit();
    },
  };
}

/** Once complete, the status never showed anything else. */
export function neverRegressed(statuses: string[]): boolean {
  const first = statuses.indexOf('complete');
  return first === -1 || statuses.slice(first).every((s) => s === 'complete');
}

/** Downloads every file of the manifest at `statusPath`: type → ids, checking each line parses. */
export async function downloadAll(
  h: Harness,
  statusPath: string,
  token: string,
): Promise<{ manifest: Manifest; ids: Map<string, string[]> }> {
  const s = await h.request('GET', statusPath, { token });
  if (s.status !== 200) throw new Error(`export not complete: ${s.status}`);
  const manifest = s.body as Manifest;
  const ids = new Map<string, string[]>();
  for (const o of manifest.output) {
    const res = await fetch(o.url, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${o.url} answered ${res.status}`);
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    ids.set(o.type, [...(ids.get(o.type) ?? []), ...lines.map((l) => (JSON.parse(l) as { id: string }).id)]);
  }
  return { manifest, ids };
}

/** The manifest's counts match the files, each id appears once, and the totals are `expected`. */
export function expectExact(
  got: { manifest: Manifest; ids: Map<string, string[]> },
  expected: Record<string, number>,
): void {
  expect(Object.fromEntries(got.manifest.output.map((o) => [o.type, o.count]))).toEqual(expected);
  for (const [type, ids] of got.ids) {
    expect(ids.length).toBe(expected[type]);
    expect(new Set(ids).size).toBe(ids.length);
  }
}
