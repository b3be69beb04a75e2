/**
 * The ingest processor takes turns on its process's CPU (src/ingest/cpu-turns.ts): a payload waiting
 * for a turn has not parsed or validated anything, and the payload holding it validates all its entries
 * before the next one starts (within the quantum), instead of the payloads in process interleaving.
 */
import type { Resource } from '@medplum/fhirtypes';
import { CpuTurns } from '../../src/ingest/cpu-turns';
import { loadConfig } from '../../src/config';
import { processAccept } from '../../src/queue/processors/ingest';
import { ingestDeps } from '../../workers/ingest';
import { startHarness, type Harness } from '../helpers/harness';
import { seedBundles } from '../helpers/synthetic';

let h: Harness;
beforeAll(async () => {
  // No workers and no sweep: the payloads here are recorded without a job, and only the test runs them.
  h = await startHarness('cpu-turns', { workers: false });
}, 60_000);
afterAll(() => h.close());

test('the process has turns by default (INGEST_TURN_MS 50); 0 turns them off', () => {
  expect(h.rt.cpuTurns?.quantumMs).toBe(50);
  expect(ingestDeps(h.rt).cpuTurns).toBe(h.rt.cpuTurns);
  expect(loadConfig({ INGEST_TURN_MS: '0' }).ingestTurnMs).toBe(0);
  expect(loadConfig({ INGEST_TURN_MS: '20' }).ingestTurnMs).toBe(20);
});

test('payloads validate one after the other, each only once it has the turn', async () => {
  // A quantum no CI machine reaches: each payload's CPU steps run in one turn.
  const turns = new CpuTurns(60_000);
  const validated: string[] = [];
  const deps = ingestDeps(h.rt);
  const validate = deps.validate;
  const counted = {
    ...deps,
    cpuTurns: turns,
    validate: (resource: Resource, at: string) => {
      validated.push(resource.id!.split('-')[0]);
      return validate(resource, at);
    },
  };
  const bundles = seedBundles(2, 'turn');
  expect(bundles.every((b) => b.entry!.length > 25)).toBe(true); // more than one slice of the old pacing
  for (const [i, b] of bundles.entries())
    await h.rt.payloads.record({
      id: `i-turn-${i}`,
      source: 'hospa',
      body: JSON.stringify(b),
      receivedAt: Date.now(),
    });

  // Another payload holds the turn: both jobs load their payloads and wait, validating nothing.
  const other = await turns.take();
  const runs = bundles.map((_, i) =>
    processAccept(
      { id: `i-turn-${i}`, data: { payloadId: `i-turn-${i}` }, attemptsMade: 0 } as never,
      counted,
    ),
  );
  for (let i = 0; turns.waiting < 2; i++) {
    if (i > 10_000) throw new Error('the accept jobs never asked for a turn');
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(validated).toEqual([]);
  other.end();

  const done = await Promise.all(runs);
  expect(done.map((d) => d.status)).toEqual([200, 200]);
  // Every entry of one payload, then every entry of the other (in arrival order: ids turn0-…, turn1-…).
  const first = validated.indexOf('turn1');
  expect(first).toBeGreaterThan(0);
  expect(validated.slice(0, first).every((p) => p === 'turn0')).toBe(true);
  expect(validated.slice(first).every((p) => p === 'turn1')).toBe(true);
  expect(turns.waiting).toBe(0);
}, 120_000);

test('a payload rejected by validation hands its turn on', async () => {
  const turns = new CpuTurns(60_000);
  const deps = { ...ingestDeps(h.rt), cpuTurns: turns };
  const bad = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { resource: { resourceType: 'Patient', gender: 1 }, request: { method: 'POST', url: 'Patient' } },
    ],
  };
  await h.rt.payloads.record({
    id: 'i-turn-bad',
    source: 'hospa',
    body: JSON.stringify(bad),
    receivedAt: Date.now(),
  });
  await expect(
    processAccept({ id: 'i-turn-bad', data: { payloadId: 'i-turn-bad' }, attemptsMade: 0 } as never, deps),
  ).rejects.toThrow(/rejected with 400/);
  // The turn is free: the next payload takes it at once.
  const next = await Promise.race([turns.take(), new Promise((r) => setTimeout(() => r('blocked'), 2000))]);
  expect(next).not.toBe('blocked');
}, 60_000);
