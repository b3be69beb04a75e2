/**
 * Saving mapped events, against a real Redis: one script call per patient scope, and each item still
 * answered on its own — written, or stale when a newer version of its resource was stored meanwhile
 * (that version's own ingest writes) — in the order the items were given.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ClinicalEvent } from '../../src/domain/events';
import { storeForSuite } from '../helpers/redis';

const ctx = storeForSuite('events'); // each test uses its own patients

const event = (patient: string, id: string) => ({ patient, id, kind: 'test' }) as unknown as ClinicalEvent;

async function stored(key: string, patient: string | undefined, status: string): Promise<string> {
  const id = key.split('/')[1];
  const resource = { resourceType: key.split('/')[0], id, status } as Resource;
  const r = await ctx.store.upsertSource({ key, patient, resource, fingerprint: `${id}-${status}` });
  return r.versionId;
}

test('items of several scopes: per-item answers in order, stale ones untouched', async () => {
  const v1 = await stored('Observation/h.a1', 'h.a', 'final');
  const b1 = await stored('Observation/h.b1', 'h.b', 'final');
  const old = await stored('Observation/h.a2', 'h.a', 'preliminary');
  const newer = await stored('Observation/h.a2', 'h.a', 'final'); // a newer version arrived meanwhile
  const m1 = await stored('Medication/h.m1', undefined, 'active');
  expect(Number(newer)).toBe(Number(old) + 1);

  const written = await ctx.store.saveEventsMany([
    { patient: 'h.a', key: 'Observation/h.a1', versionId: v1, events: [event('h.a', 'e1')] },
    { patient: 'h.b', key: 'Observation/h.b1', versionId: b1, events: [event('h.b', 'e2')] },
    { patient: 'h.a', key: 'Observation/h.a2', versionId: old, events: [event('h.a', 'stale')] },
    { key: 'Medication/h.m1', versionId: m1, events: null },
    { patient: 'h.a', key: 'Observation/h.never', versionId: '1', events: [event('h.a', 'x')] },
  ]);
  expect(written).toEqual([true, true, false, true, false]);
  expect((await ctx.store.loadEvents('h.a')).map((e) => (e as unknown as { id: string }).id)).toEqual(['e1']);
  expect((await ctx.store.loadEvents('h.b')).map((e) => (e as unknown as { id: string }).id)).toEqual(['e2']);
  // The header records which version's events are stored: a stale save does not claim the newer one.
  const head = async (key: string, patient: string) =>
    JSON.parse((await ctx.redis.hget(ctx.store.keys.resHeads({ patient }), key)) as string) as {
      v: number;
      iv?: number;
    };
  expect(await head('Observation/h.a1', 'h.a')).toMatchObject({ v: 1, iv: 1 });
  expect((await head('Observation/h.a2', 'h.a')).iv).toBeUndefined();
});

test('no events (or a retraction) removes what an earlier version had mapped', async () => {
  const v1 = await stored('Observation/h.c1', 'h.c', 'final');
  expect(
    await ctx.store.saveEventsMany([
      { patient: 'h.c', key: 'Observation/h.c1', versionId: v1, events: [event('h.c', 'e')] },
    ]),
  ).toEqual([true]);
  const v2 = await stored('Observation/h.c1', 'h.c', 'entered-in-error');
  expect(
    await ctx.store.saveEventsMany([{ patient: 'h.c', key: 'Observation/h.c1', versionId: v2, events: [] }]),
  ).toEqual([true]);
  expect(await ctx.store.loadEvents('h.c')).toEqual([]);
});

test('nothing to save answers nothing', async () => {
  expect(await ctx.store.saveEventsMany([])).toEqual([]);
});

describe('a version the worker already mapped to no events (noEvents)', () => {
  const head = async (key: string, patient: string) =>
    JSON.parse((await ctx.redis.hget(ctx.store.keys.resHeads({ patient }), key)) as string) as {
      v: number;
      iv?: number;
    };
  const write = (key: string, status: string, noEvents: boolean, mode: 'tx' | 'batch' = 'batch') =>
    ctx.store.applyEntries(
      `p-${key}-${status}-${mode}`,
      mode,
      [
        {
          key,
          patient: 'h.n',
          fingerprint: `${key}-${status}`,
          body: JSON.stringify({ resourceType: 'Observation', id: key.split('/')[1], status }),
          noEvents,
        },
      ],
      60,
    );

  test('is stored as ingested and removes the earlier version’s events, in the same script', async () => {
    const [v1] = await write('Observation/h.n1', 'final', false);
    expect(v1).toMatchObject({ outcome: 'created', needsIngest: true }); // to be mapped, as before
    await ctx.store.saveEventsMany([
      { patient: 'h.n', key: 'Observation/h.n1', versionId: v1.versionId, events: [event('h.n', 'n1')] },
    ]);
    expect(await ctx.store.loadEvents('h.n')).toHaveLength(1);

    // Corrected to entered-in-error: no events any more, stored as ingested at once.
    const [v2] = await write('Observation/h.n1', 'entered-in-error', true);
    expect(v2).toMatchObject({ outcome: 'updated', versionId: '2', needsIngest: false });
    expect(await head('Observation/h.n1', 'h.n')).toMatchObject({ v: 2, iv: 2 });
    expect(await ctx.store.loadEvents('h.n')).toEqual([]);
  });

  test('in a transaction too; an unchanged re-send writes nothing and needs nothing', async () => {
    const [created] = await write('Observation/h.n2', 'final', true, 'tx');
    expect(created).toMatchObject({ outcome: 'created', versionId: '1', needsIngest: false });
    expect(await head('Observation/h.n2', 'h.n')).toMatchObject({ v: 1, iv: 1 });
    const [again] = await ctx.store.applyEntries(
      'p-resend',
      'batch',
      [
        {
          key: 'Observation/h.n2',
          patient: 'h.n',
          fingerprint: 'Observation/h.n2-final',
          body: '{}',
          noEvents: true,
        },
      ],
      60,
    );
    expect(again).toMatchObject({ outcome: 'unchanged', versionId: '1', needsIngest: false });
  });
});

test('noEvents on a later entry of another patient touches only that entry’s own events', async () => {
  const entry = (key: string, patient: string, status: string, noEvents: boolean) => ({
    key,
    patient,
    fingerprint: `${key}-${status}`,
    body: JSON.stringify({ resourceType: 'Observation', id: key.split('/')[1], status }),
    noEvents,
  });
  const [a1, b1] = await ctx.store.applyEntries(
    'p-scopes-1',
    'batch',
    [entry('Observation/h.sa', 'h.sa', 'final', false), entry('Observation/h.sb', 'h.sb', 'final', false)],
    60,
  );
  await ctx.store.saveEventsMany([
    { patient: 'h.sa', key: 'Observation/h.sa', versionId: a1.versionId, events: [event('h.sa', 'a')] },
    { patient: 'h.sb', key: 'Observation/h.sb', versionId: b1.versionId, events: [event('h.sb', 'b')] },
  ]);
  const applied = await ctx.store.applyEntries(
    'p-scopes-2',
    'batch',
    [
      entry('Observation/h.sa2', 'h.sa', 'final', false),
      entry('Observation/h.sb', 'h.sb', 'entered-in-error', true),
    ],
    60,
  );
  expect(applied.map((a) => [a.outcome, a.needsIngest])).toEqual([
    ['created', true],
    ['updated', false],
  ]);
  expect(await ctx.store.loadEvents('h.sb')).toEqual([]);
  expect((await ctx.store.loadEvents('h.sa')).map((e) => (e as unknown as { id: string }).id)).toEqual(['a']);
});
