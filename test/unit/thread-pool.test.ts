/**
 * The bounded worker-thread pool behind `$validate` and the UI pages: work runs on another thread,
 * a full queue is refused at once (never piled up), and a closed pool starts again on next use.
 */
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { ThreadPool, ThreadPoolBusy } from '../../src/thread-pool';

const ECHO = join(__dirname, '..', 'fixtures', 'threads', 'echo-thread');
type Echo = { value: string; threadId: number };

const pools: Array<ThreadPool<unknown, unknown>> = [];
function pool(threads: number, maxQueue: number) {
  const p = new ThreadPool<{ ms: number; value: string }, Echo>(ECHO, { threads, idleMs: 5_000, maxQueue });
  pools.push(p as ThreadPool<unknown, unknown>);
  return p;
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

test('a task runs on a worker thread and its answer comes back', async () => {
  const p = pool(1, 4);
  const out = await p.run({ ms: 0, value: 'a' });
  expect(out.value).toBe('a');
  expect(out.threadId).not.toBe(threadId);
  expect(p.inFlight).toBe(0);
}, 60_000);

test('beyond threads + maxQueue a task is refused at once; the accepted ones are answered', async () => {
  const p = pool(1, 1);
  // The capacity check is synchronous: of three tasks handed over in one tick, the third finds the one
  // thread and the one queue place taken.
  const results = await Promise.allSettled(['a', 'b', 'c'].map((value) => p.run({ ms: 200, value })));
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(ThreadPoolBusy);
  expect(results.slice(0, 2).map((r) => (r as PromiseFulfilledResult<Echo>).value.value)).toEqual(['a', 'b']);
  expect(p.inFlight).toBe(0);
}, 60_000);

test('a pool with no room refuses without starting a thread; a closed pool starts again', async () => {
  await expect(pool(0, 0).run({ ms: 0, value: 'x' })).rejects.toBeInstanceOf(ThreadPoolBusy);
  const p = pool(1, 0);
  expect((await p.run({ ms: 0, value: 'before' })).value).toBe('before');
  await p.close();
  expect((await p.run({ ms: 0, value: 'after' })).value).toBe('after');
}, 60_000);
