/**
 * The reject log on a real Redis (own key prefix): per-request and per-source caps, one source never
 * evicting another's records, big resources summarised, a job run twice recording once.
 */
import { Redis } from 'ioredis';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { RejectLog } from '../../src/store/reject-log';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';

const redis = new Redis(TEST_REDIS_URL);
const prefix = uniquePrefix('rejectlog');
const outcome: OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'invalid', diagnostics: 'bad' }],
};
const rejects = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    index: from + i,
    resource: { resourceType: 'Patient', id: `p${from + i}` },
    outcome,
  }));

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

test('a flood from one source evicts only its own records', async () => {
  const log = new RejectLog(redis, prefix, { perRequest: 10, perSource: 20, resourceChars: 1000 });
  await log.recordRejects('quiet', rejects(3));
  for (let i = 0; i < 10; i++) await log.recordRejects('noisy', rejects(10, i * 10));
  expect(await log.list(100, 'quiet')).toHaveLength(3);
  const noisy = await log.list(100, 'noisy');
  expect(noisy).toHaveLength(20);
  expect(noisy[0].index).toBe(99); // newest first
  const all = await log.list(100);
  expect(all.filter((r) => r.source === 'quiet')).toHaveLength(3);
});

test('per-request cap: the last kept record counts the rest', async () => {
  const log = new RejectLog(redis, prefix, { perRequest: 4, perSource: 100, resourceChars: 1000 });
  expect(await log.recordRejects('capped', rejects(1000))).toBe(4);
  const rows = await log.list(100, 'capped');
  expect(rows.map((r) => r.index)).toEqual([3, 2, 1, 0]);
  expect(rows[0].notRecorded).toBe(996);
});

test('a resource over the size cap is summarised, not copied; issues are capped', async () => {
  const log = new RejectLog(redis, prefix, { perRequest: 10, perSource: 100, resourceChars: 100 });
  const big = { resourceType: 'Observation', id: 'o1', valueString: 'x'.repeat(10_000) };
  const many: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: Array.from({ length: 500 }, () => outcome.issue[0]),
  };
  await log.recordRejects('big', [{ index: 0, resource: big, outcome: many }]);
  const [row] = await log.list(1, 'big');
  expect(row.resource).toBeUndefined();
  expect(row.resourceOmitted).toMatchObject({ resourceType: 'Observation', id: 'o1' });
  expect(row.resourceOmitted!.chars).toBeGreaterThan(10_000);
  expect(row.outcome!.issue).toHaveLength(51);
});

test('the same job recording twice (a retry, or two copies at once) writes once', async () => {
  const log = new RejectLog(redis, prefix);
  const [a, b] = await Promise.all([
    log.recordRejects('jobbed', rejects(3), { jobId: 'job-1' }),
    log.recordRejects('jobbed', rejects(3), { jobId: 'job-1' }),
  ]);
  expect([a, b].sort()).toEqual([0, 3]);
  expect(await log.recordRejects('jobbed', rejects(3), { jobId: 'job-1' })).toBe(0);
  expect(await log.list(100, 'jobbed')).toHaveLength(3);
});
