/**
 * Bench: the cohort page of a large registry as the pages thread builds it (read the source's
 * stored courses and flags from Redis, parse, summarise, draw), against reading and JSON.parse of the
 * same stored outputs (the least any page over them costs). Runs on the bench's Redis under its own
 * key prefix, removed afterwards.
 */
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { Resource } from '@medplum/fhirtypes';
import { loadClinical } from '../src/clinical';
import { fingerprint } from '../src/ingest/canonical';
import { parsePayload } from '../src/ingest/entries';
import { namespaceEntries } from '../src/ingest/namespace';
import { Store } from '../src/store/store';
import renderTask from '../src/ui/render-thread';
import { deletePrefix, uniquePrefix } from '../test/helpers/redis';
import { seedBundles } from '../test/helpers/synthetic';

export interface CohortPageFigures {
  patients: number;
  outputs: number;
  pageMs: number;
  baselineMs: number;
}

async function mean(rounds: number, run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await run();
  return (performance.now() - t0) / rounds;
}

export async function benchCohortPage(
  conn: Redis,
  redisUrl: string,
  patients: number,
): Promise<CohortPageFigures> {
  const prefix = uniquePrefix('bench-cohort');
  const store = new Store(conn, prefix);
  const clinical = loadClinical();
  const ids: string[] = [];
  let outputs = 0;
  for (const bundle of seedBundles(patients, 'k')) {
    const resources = namespaceEntries(parsePayload(bundle).entries, 'bench').prepared.map((p) => p.resource);
    const byRef = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
    const events = resources.flatMap((r) => clinical.map(r, 'bench', (ref) => byRef.get(ref)).events);
    const patient = events[0]?.patient ?? '';
    const derived = clinical.derive(patient, events) as Resource[];
    await store.saveOutputs(
      patient,
      1,
      derived.map((o) => ({ key: `${o.resourceType}/${o.id}`, fingerprint: fingerprint(o), resource: o })),
    );
    ids.push(patient);
    outputs += derived.length;
  }
  await conn.sadd(store.keys.patients(), ...ids);
  const task = {
    page: 'cohort' as const,
    input: { source: 'bench', linkBase: '', redis: { url: redisUrl, prefix } },
  };
  await renderTask(task); // warm-up (and the thread's connection)
  const figures = {
    patients,
    outputs,
    pageMs: await mean(3, () => renderTask(task)),
    baselineMs: await mean(3, async () => {
      for (const p of ids)
        for (const body of Object.values(await conn.hgetall(store.keys.outBodies({ patient: p }))))
          JSON.parse(body);
    }),
  };
  await deletePrefix(conn, prefix);
  return figures;
}
