/**
 * SIGTERM's shutdown path while Redis is down (a private redis-server on a free port, never the shared
 * one): stopRuntime returns without waiting out the job grace period, and says so in one structured
 * log line, with no stack traces on stderr. No wall-clock assertion: the grace period is set far
 * beyond the test timeout, so a shutdown that waited for it fails by timing out.
 */
import { Writable } from 'node:stream';
import { EmbeddedRedis } from '../../src/ops/embedded-redis';
import { createLogger } from '../../src/logger';
import { createRuntime, startApi, stopRuntime, type Runtime } from '../../src/runtime';
import { WORKERS } from '../../workers';
import { testTokens } from '../helpers/harness';

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    done();
  },
});

let redis: EmbeddedRedis;
let rt: Runtime;

beforeAll(async () => {
  redis = await EmbeddedRedis.start([]);
  rt = await createRuntime(
    { keyPrefix: 'shutdown', port: 0, redisUrl: redis.url, redisEmbedded: 'never' },
    createLogger('info', 'shutdown-test', sink),
  );
  await startApi(rt, { registry: testTokens(), origin: 'test' });
  for (const f of Object.values(WORKERS)) f?.(rt);
}, 60_000);

afterAll(async () => {
  await redis.stop().catch(() => undefined);
});

test('with Redis down, shutdown does not wait for the grace period and logs one line, no stacks', async () => {
  await redis.stop(false);
  const stderr: string[] = [];
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  const error = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    stderr.push(args.map(String).join(' '));
  });
  try {
    const from = lines.length;
    await stopRuntime(rt, 10 * 60_000);
    // Late errors from closing connections would surface on the next ticks.
    await new Promise((r) => setTimeout(r, 500));
    // A connection's own "lost" warning (one per connection) belongs to Redis going away, not to the
    // shutdown, and may be delivered after `from` was taken.
    const shutdownLines = lines
      .slice(from)
      .filter((l) => (l.level as number) >= 40 && l.msg !== 'Redis connection lost; retrying');
    expect(shutdownLines.map((l) => l.msg + (l.err ? ': ' + String(l.err) : ''))).toEqual([
      'Redis unavailable at shutdown; jobs in flight are left to stall recovery',
    ]);
    expect(JSON.stringify(lines.slice(from))).not.toMatch(/\n\s+at /);
    expect(stderr.join('')).not.toMatch(/\s+at \S+ \(|Unhandled error event/);
  } finally {
    write.mockRestore();
    error.mockRestore();
  }
}, 60_000);
