/**
 * Each queue's worker concurrency (src/queue/queues.ts): ingest jobs are CPU-bound and run
 * INGEST_CONCURRENCY at once (default 4, at least 1); the other queues WORKER_CONCURRENCY (default 8).
 */
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config';
import { QUEUE_NAMES, workerOptions } from '../../src/queue/queues';

const connection = {} as Redis;

test('ingest runs INGEST_CONCURRENCY jobs at once, every other queue WORKER_CONCURRENCY', () => {
  const cfg = loadConfig({ INGEST_CONCURRENCY: '5', WORKER_CONCURRENCY: '7' });
  for (const q of QUEUE_NAMES)
    expect([q, workerOptions(cfg, connection, 'p', q).concurrency]).toEqual([q, q === 'ingest' ? 5 : 7]);
});

test('defaults: 4 ingest jobs and 8 of any other queue; an ingest concurrency below 1 is 1', () => {
  const defaults = loadConfig({});
  expect(workerOptions(defaults, connection, 'p', 'ingest').concurrency).toBe(4);
  expect(workerOptions(defaults, connection, 'p', 'assemble').concurrency).toBe(8);
  expect(workerOptions(loadConfig({ INGEST_CONCURRENCY: '0' }), connection, 'p', 'ingest').concurrency).toBe(
    1,
  );
});

test('the configuration reads its numbers from the environment it is given, not only process.env', () => {
  process.env.INGEST_CONCURRENCY = '6';
  try {
    expect(loadConfig({}).ingestConcurrency).toBe(4);
    expect(loadConfig({ INGEST_CONCURRENCY: '2' }).ingestConcurrency).toBe(2);
    expect(loadConfig().ingestConcurrency).toBe(6);
    expect(() => loadConfig({ PENDING_ALERT_SECONDS: '0' })).toThrow(
      /PENDING_ALERT_SECONDS must be a positive integer, got "0"/,
    );
    expect(() => loadConfig({ INGEST_MEMORY_HIGH_WATER: '2' })).toThrow(/INGEST_MEMORY_HIGH_WATER/);
  } finally {
    delete process.env.INGEST_CONCURRENCY;
  }
});
