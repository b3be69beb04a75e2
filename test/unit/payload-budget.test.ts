/**
 * The per-process budget on payload bytes in process (src/queue/payload-budget.ts): admits while the
 * bytes fit, always admits one payload when nothing is in process, admits waiters in arrival order,
 * and frees each payload's bytes once however often its release is called.
 */
import fc from 'fast-check';
import { PayloadBudget } from '../../src/queue/payload-budget';

/** Lets every settled promise's continuation run (admissions resolve on the microtask queue). */
const settle = () => new Promise((r) => setImmediate(r));

function tracked(budget: PayloadBudget, bytes: number) {
  const entry = { admitted: false, release: undefined as undefined | (() => void) };
  void budget.acquire(bytes).then((release) => {
    entry.admitted = true;
    entry.release = release;
  });
  return entry;
}

test('admits while the bytes fit, then holds payloads back until bytes are released', async () => {
  const budget = new PayloadBudget(100);
  const a = tracked(budget, 60);
  const b = tracked(budget, 40);
  const c = tracked(budget, 10);
  await settle();
  expect([a.admitted, b.admitted, c.admitted]).toEqual([true, true, false]);
  expect(budget.inFlight).toBe(100);
  expect(budget.waiting).toBe(1);
  b.release!();
  await settle();
  expect(c.admitted).toBe(true);
  expect(budget.inFlight).toBe(70);
  expect(budget.waiting).toBe(0);
});

test('a payload larger than the whole budget runs, alone', async () => {
  const budget = new PayloadBudget(100);
  const small = tracked(budget, 10);
  const huge = tracked(budget, 500);
  await settle();
  expect([small.admitted, huge.admitted]).toEqual([true, false]);
  small.release!();
  await settle();
  expect(huge.admitted).toBe(true);
  const next = tracked(budget, 1);
  await settle();
  expect(next.admitted).toBe(false);
  huge.release!();
  await settle();
  expect(next.admitted).toBe(true);
});

test('waiters are admitted in arrival order: a large payload is not overtaken by later small ones', async () => {
  const budget = new PayloadBudget(100);
  const first = tracked(budget, 70);
  const large = tracked(budget, 80);
  const small = tracked(budget, 10); // would fit now, but arrived after the large one
  await settle();
  expect([first.admitted, large.admitted, small.admitted]).toEqual([true, false, false]);
  first.release!();
  await settle();
  expect([large.admitted, small.admitted]).toEqual([true, true]);
});

test('a release called twice frees the bytes once', async () => {
  const budget = new PayloadBudget(100);
  const a = tracked(budget, 60);
  const b = tracked(budget, 40);
  await settle();
  a.release!();
  a.release!();
  expect(budget.inFlight).toBe(40);
  b.release!();
  expect(budget.inFlight).toBe(0);
});

test('a waiter behind the head that gives up leaves the line; the head never gives up', async () => {
  jest.useFakeTimers();
  try {
    const budget = new PayloadBudget(100);
    const first = await budget.acquire(90);
    let head: (() => void) | undefined | 'pending' = 'pending';
    let behind: (() => void) | undefined | 'pending' = 'pending';
    void budget.acquireWithin(50, 1000).then((r) => (head = r));
    void budget.acquireWithin(20, 1000).then((r) => (behind = r));
    const small = tracked(budget, 5); // fits now, but waits its turn
    await jest.advanceTimersByTimeAsync(1000);
    // The one behind the head gave up and left; the head and the small one wait on.
    expect(behind).toBeUndefined();
    expect(head).toBe('pending');
    expect(budget.waiting).toBe(2);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(head).toBe('pending');
    first();
    await jest.advanceTimersByTimeAsync(0);
    expect(typeof head).toBe('function');
    expect(small.admitted).toBe(true);
    expect(budget.inFlight).toBe(55);
    expect(budget.waiting).toBe(0);
  } finally {
    jest.useRealTimers();
  }
});

test('a waiter admitted in time gets its release, and its timer no longer fires', async () => {
  jest.useFakeTimers();
  try {
    const budget = new PayloadBudget(100);
    const first = await budget.acquire(90);
    const admitted = budget.acquireWithin(50, 1000);
    first();
    const release = await admitted;
    expect(release).toBeDefined();
    expect(budget.inFlight).toBe(50);
    await jest.advanceTimersByTimeAsync(5000);
    expect(budget.inFlight).toBe(50);
    release!();
    expect(budget.inFlight).toBe(0);
  } finally {
    jest.useRealTimers();
  }
});

test('an aborted waiter leaves the line at once, the head too, and those behind it move up', async () => {
  const budget = new PayloadBudget(100);
  const first = await budget.acquire(90);
  const gone = new AbortController();
  let head: (() => void) | undefined | 'pending' = 'pending';
  void budget.acquireWithin(50, Infinity, gone.signal).then((r) => (head = r));
  const small = tracked(budget, 10); // fits, but waits its turn behind the head
  await settle();
  expect([head, small.admitted, budget.waiting]).toEqual(['pending', false, 2]);
  gone.abort();
  await settle();
  // The head left without bytes; the small one behind it fits and is admitted.
  expect(head).toBeUndefined();
  expect(small.admitted).toBe(true);
  expect(budget.inFlight).toBe(100);
  expect(budget.waiting).toBe(0);
  first();
  small.release!();
  expect(budget.inFlight).toBe(0);
});

test('a signal aborted before asking, or after admission, takes nothing from the budget', async () => {
  const budget = new PayloadBudget(100);
  const gone = new AbortController();
  gone.abort();
  await expect(budget.acquireWithin(10, 1000, gone.signal)).resolves.toBeUndefined();
  expect(budget.inFlight).toBe(0);
  const later = new AbortController();
  const release = await budget.acquireWithin(10, 1000, later.signal);
  later.abort(); // admitted already: the caller's release frees the bytes
  expect(budget.inFlight).toBe(10);
  release!();
  expect(budget.inFlight).toBe(0);
});

test('a limit of 0 admits everything at once', async () => {
  const budget = new PayloadBudget(0);
  const all = [tracked(budget, 1e9), tracked(budget, 1e9), tracked(budget, 1)];
  await settle();
  expect(all.every((x) => x.admitted)).toBe(true);
});

test('any interleaving: never over the limit unless one payload alone, nothing starves, all released at the end', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 200 }),
      fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 25 }),
      fc.array(fc.nat(), { maxLength: 60 }),
      async (limit, sizes, picks) => {
        const budget = new PayloadBudget(limit);
        const entries = sizes.map((bytes) => Object.assign(tracked(budget, bytes), { bytes, done: false }));
        const check = () => {
          const running = entries.filter((e) => e.admitted && !e.done);
          const bytes = running.reduce((n, e) => n + e.bytes, 0);
          expect(bytes).toBe(budget.inFlight);
          if (running.length > 1) expect(bytes).toBeLessThanOrEqual(limit);
          // Never idle while someone waits.
          if (!running.length) expect(entries.every((e) => e.admitted)).toBe(true);
        };
        await settle();
        check();
        for (const pick of [...picks, ...entries.map((_, i) => i)]) {
          const running = entries.filter((e) => e.admitted && !e.done);
          if (!running.length) break;
          const e = running[pick % running.length];
          e.done = true;
          e.release!();
          await settle();
          check();
        }
        for (;;) {
          const running = entries.filter((e) => e.admitted && !e.done);
          if (!running.length) break;
          running[0].done = true;
          running[0].release!();
          await settle();
          check();
        }
        expect(entries.every((e) => e.done)).toBe(true);
        expect(budget.inFlight).toBe(0);
        expect(budget.waiting).toBe(0);
      },
    ),
    { numRuns: 150 },
  );
});
