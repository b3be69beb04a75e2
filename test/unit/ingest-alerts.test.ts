/** Which ingest figures raise which alert (backlog, dead letters, failed jobs, storage), and PENDING_ALERT_SECONDS. */
import { loadConfig } from '../../src/config';
import { alertsOf, type IngestFigures } from '../../src/ops/ingest-health';

const clean: IngestFigures = {
  pendingPayloads: 0,
  oldestPendingSeconds: null,
  stalePendingPayloads: 0,
  deadLetters: 0,
  oldestDeadLetterSeconds: null,
  failedJobs: { ingest: 0, assemble: 0, export: 0, deliver: 0 },
};

test('an empty backlog, or one within the threshold, raises nothing', () => {
  expect(alertsOf(clean, 300)).toEqual([]);
  expect(alertsOf({ ...clean, pendingPayloads: 40, oldestPendingSeconds: 299 }, 300)).toEqual([]);
});

test('dead letters, stale payloads and failed jobs outside ingest each raise their alert', () => {
  const alerts = alertsOf(
    {
      ...clean,
      pendingPayloads: 3,
      oldestPendingSeconds: 900,
      stalePendingPayloads: 2,
      deadLetters: 4,
      oldestDeadLetterSeconds: 60,
      failedJobs: { ingest: 7, assemble: 0, export: 1, deliver: 2 },
    },
    300,
  );
  expect(alerts.map((a) => [a.alert, a.queue, a.count])).toEqual([
    ['dead-letters', undefined, 4],
    ['pending-stale', undefined, 2],
    ['failed-jobs', 'export', 1],
    ['failed-jobs', 'deliver', 2],
  ]);
  expect(alerts[1]).toMatchObject({ oldestSeconds: 900, thresholdSeconds: 300 });
});

test('Redis memory at the high-water mark of a noeviction maxmemory raises storage-high-water; else nothing', () => {
  const MB = 1024 * 1024;
  const at = (usedBytes: number, maxBytes: number, policy = 'noeviction') =>
    alertsOf({ ...clean, storage: { usedBytes, maxBytes, policy, highWater: 0.8 } }, 300);
  expect(at(799 * MB, 1000 * MB)).toEqual([]);
  expect(at(5000 * MB, 0)).toEqual([]); // no maxmemory: nothing to stay below
  expect(at(990 * MB, 1000 * MB, 'allkeys-lru')).toEqual([]); // evicting: memory sits near the limit
  const [alert] = at(800 * MB, 1000 * MB);
  expect(alert).toMatchObject({ alert: 'storage-high-water', count: 1 });
  expect(alert.summary).toBe(
    'Redis uses 800 of 1000 MB (ingest stops at 80%): new payloads are refused with 503',
  );
});

describe('PENDING_ALERT_SECONDS', () => {
  const saved = process.env.PENDING_ALERT_SECONDS;
  afterEach(() => {
    if (saved === undefined) delete process.env.PENDING_ALERT_SECONDS;
    else process.env.PENDING_ALERT_SECONDS = saved;
  });

  test('defaults to 300 and takes a positive integer', () => {
    delete process.env.PENDING_ALERT_SECONDS;
    expect(loadConfig().pendingAlertSeconds).toBe(300);
    process.env.PENDING_ALERT_SECONDS = '45';
    expect(loadConfig().pendingAlertSeconds).toBe(45);
  });

  test.each(['0', '-5', '1.5', 'soon'])('refuses %p', (v) => {
    process.env.PENDING_ALERT_SECONDS = v;
    expect(() => loadConfig()).toThrow(/PENDING_ALERT_SECONDS/);
  });
});
