/** The operator CLI: jobs, retry, rejects, and the registry summary over the seed cohort. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import { cli } from '../helpers/cli';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

let h: Harness;
const SEEDS = join(__dirname, '..', 'fixtures', 'seeds');

beforeAll(async () => {
  h = await startHarness('opscli');
  for (const f of readdirSync(SEEDS).filter((x) => x.endsWith('.json'))) {
    const res = await h.request('POST', '/fhir', {
      token: TOKENS.hospA,
      body: JSON.parse(readFileSync(join(SEEDS, f), 'utf8')),
    });
    expect(res.status).toBe(200);
  }
  await h.request('PUT', '/fhir/Observation/bad', {
    token: TOKENS.hospA,
    body: { resourceType: 'Observation', id: 'bad', status: 'done', code: { text: 'x' } },
  });
  await h.idle(60_000);
}, 120_000);
afterAll(async () => {
  await h.close();
});

async function run(
  ...line: string[]
): Promise<{ code: number; out: string; err: string; connected: boolean }> {
  const r = await cli(h, line);
  return { ...r, out: r.out.join('\n'), err: r.err.join('\n') };
}

test('summary: the registry figures over the stored cohort', async () => {
  const { code, out } = await run('summary', '--json');
  expect(code).toBe(0);
  const s = JSON.parse(out);
  expect(s.patients).toBe(6); // five seed patients and the clean responder
  expect(s.courses).toBeGreaterThanOrEqual(6);
  for (const v of Object.values(s)) {
    if (v && typeof v === 'object' && 'denominator' in (v as object)) {
      const f = v as { numerator: number; denominator: number };
      expect(f.numerator).toBeLessThanOrEqual(f.denominator);
    }
  }
  const table = await run('summary');
  expect(table.out).toContain('patients');
  const hospa = JSON.parse((await run('summary', '--source', 'hospa', '--json')).out);
  expect(hospa.patients).toBe(6);
  // A source without patients is a mistake (a typo), not a table of zeros.
  const nosuch = await run('summary', '--source', 'nosuch');
  expect(nosuch.code).toBe(1);
  expect(nosuch.out).toBe('');
  expect(nosuch.err).toContain('no patient of source "nosuch" in this store (sources with patients: hospa)');
});

test('jobs lists queue counts without job data; retry replays by id', async () => {
  const { code, out } = await run('jobs', '--queue', 'assemble', '--state', 'completed', '--count', '3');
  expect(code).toBe(0);
  expect(out).toMatch(/^assemble: waiting 0, active 0, delayed 0, completed \d+, failed 0/);
  expect(out).not.toContain('resourceType');
  const id = /completed (a-\S+) assemble/.exec(out)?.[1];
  expect(id).toBeDefined();
  expect((await run('retry', '--queue', 'assemble', '--id', id!)).out).toBe(
    `replayed assemble ${id} (was completed)`,
  );
  await h.idle();
});

test('rejects shows the invalid resource and where it is wrong', async () => {
  const { out } = await run('rejects', '--count', '5');
  expect(out).toMatch(/source=hospa entry=0 Observation\/bad .*Observation\.status/);
});

test('usage errors: exit 64 before any connection, with the usage line', async () => {
  for (const line of [
    ['jobs', '--state', 'nope'],
    ['jobs', '--count', '0'],
    ['retry', '--queue', 'nope'],
    ['retry', '--queue', 'ingest'],
    ['retry', '--queue', 'ingest', '--id', 'x', '--failed'],
    ['summary', '--bogus'],
    ['summary', '--source', 'Not A Source'],
    ['rejects', 'extra'],
  ]) {
    const r = await run(...line);
    expect({ line, code: r.code, connected: r.connected }).toEqual({ line, code: 64, connected: false });
    expect(r.err).toContain(`usage: bitebridge-cli ${line[0]} `);
  }
});

test('jobs, rejects and retry --failed have --json output for scripts', async () => {
  const jobs = JSON.parse((await run('jobs', '--json', '--state', 'completed', '--count', '2')).out);
  expect(Object.keys(jobs).sort()).toEqual(['assemble', 'deliver', 'export', 'ingest']);
  expect(jobs.assemble.counts.completed).toBeGreaterThan(0);
  expect(jobs.assemble.jobs.length).toBeLessThanOrEqual(2);
  expect(JSON.stringify(jobs)).not.toContain('resourceType');
  const rejects = JSON.parse((await run('rejects', '--json')).out);
  expect(rejects.find((r: any) => r.id === 'bad')).toMatchObject({
    source: 'hospa',
    resourceType: 'Observation',
  });
  // Three jobs that fail for good, on the deliver queue, with the harness's own deliver worker closed
  // first: only the failing worker below ever takes them, and a retried job then waits untouched.
  await Promise.all(h.rt.workers.filter((w) => w.name === 'deliver').map((w) => w.close()));
  const q = h.rt.queues.get('deliver');
  const conn = h.rt.redis.connect();
  const failing = new Worker(
    'deliver',
    async () => {
      throw new Error('simulated');
    },
    { connection: conn, prefix: h.rt.queues.prefix },
  );
  for (const id of ['f1', 'f2', 'f3']) await q.add('noop', {}, { jobId: id, attempts: 1 });
  while ((await q.getFailedCount()) < 3) await new Promise((r) => setTimeout(r, 50));
  await failing.close();
  await conn.quit();
  const failed = await q.getFailedCount();
  const replay = await run('retry', '--queue', 'deliver', '--failed', '--json');
  expect(JSON.parse(replay.out)).toEqual({ queue: 'deliver', replayed: failed, failedAtStart: failed });
  expect(await q.getFailedCount()).toBe(0);
  await q.obliterate({ force: true });
});
