/** The operator CLI: jobs, retry, rejects, and the registry summary over the seed cohort. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../../src/cli/args';
import { COMMANDS } from '../../src/cli/commands';
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

async function run(...line: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await COMMANDS[line[0]].run(h.rt, parseArgs(line.slice(1)), (l) => out.push(l));
  return { code, out: out.join('\n') };
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
  expect((await run('summary', '--source', 'hospb', '--json')).out).toContain('"patients": 0');
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

test('usage errors are UsageErrors', async () => {
  await expect(run('jobs', '--state', 'nope')).rejects.toBeInstanceOf(UsageError);
  await expect(run('retry', '--queue', 'nope')).rejects.toBeInstanceOf(UsageError);
  await expect(run('retry', '--queue', 'ingest')).rejects.toBeInstanceOf(UsageError);
  await expect(run('summary', '--bogus')).rejects.toBeInstanceOf(UsageError);
});
