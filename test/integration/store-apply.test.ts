/**
 * The store's apply script against a real Redis, where one payload's entries meet each other: a
 * resource twice in one payload sees its first write, a conditional create sees an identifier an
 * earlier entry registered, a key cannot move to another patient within a payload, and a payload far
 * larger than one Redis command's arguments stores every entry. Then everything is read back as it
 * would be from separate payloads.
 */
import { scopeOf } from '../../src/store/keys';
import type { EntryWrite } from '../../src/store/store';
import { storeForSuite } from '../helpers/redis';

const ctx = storeForSuite('apply');

let payloads = 0;
const apply = (mode: 'tx' | 'batch', entries: EntryWrite[]) =>
  ctx.store.applyEntries(`p-${++payloads}`, mode, entries, 60);

const write = (
  key: string,
  patient: string | undefined,
  content: string,
  extra: Partial<EntryWrite> = {},
) => {
  const [resourceType, id] = key.split('/');
  return {
    key,
    patient,
    fingerprint: `${key}:${content}`,
    body: JSON.stringify({ resourceType, id, note: content }),
    ...extra,
  } satisfies EntryWrite;
};

const head = async (key: string, patient?: string) =>
  JSON.parse((await ctx.redis.hget(ctx.store.keys.resHeads(scopeOf(patient)), key)) as string);

test('a resource twice in one batch: the second entry sees the first write', async () => {
  const answers = await apply('batch', [
    write('Observation/a.1', 'a', 'x'),
    write('Observation/a.1', 'a', 'x'),
    write('Observation/a.1', 'a', 'y'),
    write('Encounter/a.2', 'a', 'z', { noEvents: true }),
    write('Encounter/a.2', 'a', 'w', { noEvents: true }),
  ]);
  expect(answers.map((a) => [a.outcome, a.versionId])).toEqual([
    ['created', '1'],
    ['unchanged', '1'],
    ['updated', '2'],
    ['created', '1'],
    ['updated', '2'],
  ]);
  expect(answers[4].removedEvents).toBe(false);
  expect(await head('Observation/a.1', 'a')).toMatchObject({ v: 2, fp: 'Observation/a.1:y' });
  expect(await head('Encounter/a.2', 'a')).toMatchObject({ v: 2, iv: 2, fp: 'Encounter/a.2:w' });
  const stored = await ctx.store.getSource('Observation/a.1', 'a');
  expect(stored).toMatchObject({ versionId: '2', resource: { note: 'y' } });
  expect(await ctx.redis.sismember(ctx.store.keys.patients(), 'a')).toBe(1);
  expect(
    await ctx.redis.zscore(ctx.store.keys.lastUpdated({ patient: 'a' }), 'Observation/a.1'),
  ).not.toBeNull();
  expect((await ctx.store.locate('Observation/a.1')).patient).toBe('a');
});

test('a key cannot change patient within one payload either', async () => {
  const answers = await apply('batch', [
    write('Observation/b.1', 'b1', 'x'),
    write('Observation/b.1', 'b2', 'x'),
  ]);
  expect(answers.map((a) => a.outcome)).toEqual(['created', 'moved']);
  expect((await ctx.store.locate('Observation/b.1')).patient).toBe('b1');
  // In a transaction the move rejects everything.
  const tx = await apply('tx', [write('Observation/b.2', 'b1', 'x'), write('Observation/b.2', 'b2', 'x')]);
  expect(tx.map((a) => a.outcome)).toEqual(['aborted', 'moved']);
  expect(await ctx.redis.hget(ctx.store.keys.resHeads({ patient: 'b1' }), 'Observation/b.2')).toBeNull();
});

test('a conditional create sees an identifier registered by an earlier entry of the same payload', async () => {
  const answers = await apply('batch', [
    write('Patient/c.1', 'c.1', 'x', { identifierTokens: ['sys|mrn-1'] }),
    write('Patient/c.2', 'c.2', 'x', { conditions: { ifNoneExist: 'sys|mrn-1' } }),
  ]);
  expect(answers.map((a) => [a.outcome, a.other])).toEqual([
    ['created', ''],
    ['exists', 'Patient/c.1'],
  ]);
});

test('If-Match and If-None-Match see the version an earlier entry of the payload wrote', async () => {
  await apply('batch', [write('Observation/d.1', 'd', 'x')]);
  const answers = await apply('batch', [
    write('Observation/d.1', 'd', 'y', { conditions: { ifMatch: '1' } }),
    write('Observation/d.1', 'd', 'z', { conditions: { ifMatch: '1' } }),
    write('Observation/d.1', 'd', 'z', { conditions: { ifNoneMatch: '2' } }),
    write('Observation/d.1', 'd', 'z', { conditions: { ifMatch: '2' } }),
  ]);
  expect(answers.map((a) => [a.outcome, a.versionId])).toEqual([
    ['updated', '2'],
    ['precondition', '0'],
    ['precondition', '0'],
    ['updated', '3'],
  ]);
});

test('a payload of many thousands of entries over several patients stores every one', async () => {
  const entries: EntryWrite[] = [];
  for (let i = 0; i < 6000; i++)
    entries.push(write(`Observation/e.${i}`, `e${i % 7}`, `v${i}`, { noEvents: i % 2 === 0 }));
  entries.push(write('Medication/e.m', undefined, 'shared'));
  const answers = await apply('batch', entries);
  expect(answers).toHaveLength(6001);
  expect(answers.every((a) => a.outcome === 'created' && a.versionId === '1')).toBe(true);
  for (let p = 0; p < 7; p++) {
    expect(await ctx.redis.hlen(ctx.store.keys.resHeads({ patient: `e${p}` }))).toBeGreaterThanOrEqual(857);
    expect(await ctx.redis.sismember(ctx.store.keys.patients(), `e${p}`)).toBe(1);
  }
  expect(await head('Observation/e.5999', 'e0')).toMatchObject({ v: 1, fp: 'Observation/e.5999:v5999' });
  expect(await head('Observation/e.5998', 'e6')).toMatchObject({ v: 1, iv: 1 });
  expect((await ctx.store.getSource('Medication/e.m'))?.resource).toMatchObject({ note: 'shared' });
  // The same payload again changes nothing.
  const again = await apply('batch', entries);
  expect(again.every((a) => a.outcome === 'unchanged')).toBe(true);
});
