/**
 * `npm start` as an operator runs it: the API in one process, every worker in WORKER_PROCESSES forked
 * processes. The API process runs no job; the workers process what it acknowledges; a worker process
 * that dies is replaced and nothing acknowledged is lost; SIGTERM stops the children too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { freePort } from '../../src/ops/embedded-redis';
import { Store } from '../../src/store/store';
import { MEMORY_V8_FLAGS, WORKER_V8_FLAGS } from '../../src/v8-flags';
import {
  CHILD_TOKEN,
  childrenOf,
  exited,
  spawnBitebridge,
  spawnListening,
  waitFor,
} from '../helpers/processes';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';
import { seedBundles } from '../helpers/synthetic';

const prefix = uniquePrefix('topology');
let redis: Redis;
let store: Store;
let ingest: Queue;
let main: ChildProcess;
let base: string;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  store = new Store(redis, prefix);
  ingest = new Queue('ingest', { connection: redis, prefix: store.keys.queuePrefix() });
  // No mode, and the start script's node flags: what `npm start` runs.
  ({ child: main, base } = await spawnListening(
    [],
    { KEY_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, WORKER_PROCESSES: '2' },
    180_000,
    MEMORY_V8_FLAGS,
  ));
  await waitFor('two worker processes', async () => (await ingest.getWorkers()).length >= 2, 180_000, 200);
}, 240_000);

afterAll(async () => {
  if (main.exitCode === null && main.signalCode === null) main.kill('SIGKILL');
  await ingest.close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

/** The distinct niceness values of a process's threads (Linux: per thread). */
function threadPriorities(pid: number): number[] {
  const tids = readdirSync(`/proc/${pid}/task`).map(Number);
  const priorities = tids.flatMap((t) => {
    try {
      return [getPriority(t)];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
  return [...new Set(priorities)];
}

async function post(bundle: unknown): Promise<number> {
  const res = await fetch(`${base}/fhir`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CHILD_TOKEN}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(bundle),
  });
  await res.arrayBuffer();
  return res.status;
}

async function courseOf(patient: string): Promise<boolean> {
  const outs = await store.currentOutputs(`hospa.${patient}`);
  return [...outs.values()].some((o) => o.resource.resourceType === 'MedicationStatement');
}

test('the API process forks the worker processes and runs no worker itself', async () => {
  const kids = childrenOf(main.pid!);
  expect(kids).toHaveLength(2);
  // Forked with the worker's V8 flags (young generation, heap growth, GC threading: src/v8-flags.ts),
  // each once: the memory flags inherited from the API process's command line, GC threading added.
  const argvOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const count = (argv: string[], flag: string) => argv.filter((a) => a === flag).length;
  for (const flag of MEMORY_V8_FLAGS) expect(count(argvOf(main.pid!), flag)).toBe(1);
  for (const k of kids) for (const flag of WORKER_V8_FLAGS) expect(count(argvOf(k), flag)).toBe(1);
  // Below the API's priority (WORKER_NICE, default 10 steps), every thread: the API's short tasks go first.
  for (const k of kids) expect(threadPriorities(k)).toEqual([Math.min(19, getPriority(main.pid!) + 10)]);
  // Each BullMQ worker is one connection; two processes run one ingest worker each, the API none.
  expect(await ingest.getWorkers()).toHaveLength(2);
});

test('what the API acknowledges, the worker processes process', async () => {
  const [bundle] = seedBundles(1, 'topo');
  expect(await post(bundle)).toBe(200);
  const patient = bundle.entry![0].resource!.id!;
  await waitFor('the course', () => courseOf(patient), 180_000, 100);
});

test('a worker process killed is replaced; what was acknowledged meanwhile is processed', async () => {
  const [victim] = childrenOf(main.pid!);
  process.kill(victim, 'SIGKILL');
  await waitFor('the dead process to go', async () => !alive(victim), 30_000);
  const bundles = seedBundles(3, 'after-kill');
  for (const b of bundles) expect(await post({ ...b })).toBe(200);
  await waitFor(
    'a replacement worker process',
    async () => childrenOf(main.pid!).filter((p) => p !== victim).length === 2,
    180_000,
    200,
  );
  for (const k of childrenOf(main.pid!))
    expect(threadPriorities(k)).toEqual([Math.min(19, getPriority(main.pid!) + 10)]);
  for (const b of bundles) {
    const patient = b.entry![0].resource!.id!;
    await waitFor(`the course of ${patient}`, () => courseOf(patient), 180_000, 100);
  }
}, 400_000);

test('SIGTERM stops the API and its worker processes', async () => {
  const kids = childrenOf(main.pid!);
  main.kill('SIGTERM');
  await exited(main);
  await waitFor('every worker process to stop', async () => kids.every((k) => !alive(k)), 60_000);
  // A clean stop, not the 30 s last resort (which exits 1): the API waited for its workers to exit.
  expect(main.exitCode).toBe(0);
}, 120_000);

test('worker processes stop when the API process is killed outright (no orphans)', async () => {
  const port = await freePort();
  const killed = spawnBitebridge([], {
    KEY_PREFIX: prefix,
    REDIS_URL: TEST_REDIS_URL,
    PORT: String(port),
    WORKER_PROCESSES: '1',
  });
  try {
    await waitFor('its worker process', async () => childrenOf(killed.pid!).length === 1, 180_000, 200);
    const [kid] = childrenOf(killed.pid!);
    // Connected, so its start-up is over and it runs jobs: an orphan would go on taking them.
    await waitFor('the worker to connect', async () => (await ingest.getWorkers()).length >= 1, 180_000, 200);
    killed.kill('SIGKILL');
    await exited(killed);
    await waitFor('the orphaned worker process to stop', async () => !alive(kid), 60_000);
  } finally {
    if (killed.exitCode === null && killed.signalCode === null) killed.kill('SIGKILL');
  }
}, 300_000);
