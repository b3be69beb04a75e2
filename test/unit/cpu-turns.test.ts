/**
 * Turns on a process's CPU (src/ingest/cpu-turns.ts): one payload holds the turn at a time, in arrival
 * order; pacing keeps the turn within the quantum and goes to the back of the line after it; ending
 * hands the turn on, once however often it is called.
 */
import fc from 'fast-check';
import { CpuTurns, type CpuTurn } from '../../src/ingest/cpu-turns';

/** Lets every settled promise's continuation run (and one turn of the event loop). */
const settle = () => new Promise((r) => setImmediate(r));

function tracked(turns: CpuTurns) {
  const entry = { turn: undefined as CpuTurn | undefined };
  void turns.take().then((t) => (entry.turn = t));
  return entry;
}

test('one payload holds the turn; the others get it in arrival order as each ends', async () => {
  const turns = new CpuTurns(50);
  const a = tracked(turns);
  const b = tracked(turns);
  const c = tracked(turns);
  await settle();
  expect([!!a.turn, !!b.turn, !!c.turn]).toEqual([true, false, false]);
  expect(turns.waiting).toBe(2);
  a.turn!.end();
  a.turn!.end(); // a second end does not hand on another turn
  await settle();
  expect([!!b.turn, !!c.turn]).toEqual([true, false]);
  b.turn!.end();
  await settle();
  expect(!!c.turn).toBe(true);
  c.turn!.end();
  expect(turns.waiting).toBe(0);
  // Free again: the next take is immediate.
  const d = tracked(turns);
  await settle();
  expect(!!d.turn).toBe(true);
});

test('within its quantum a payload keeps the turn while it paces', async () => {
  const turns = new CpuTurns(60_000);
  const a = await turns.take();
  const b = tracked(turns);
  for (let i = 0; i < 100; i++) await a.pace();
  await settle();
  expect(b.turn).toBeUndefined();
  a.end();
  await settle();
  expect(b.turn).toBeDefined();
});

test('after its quantum a payload lets the ones waiting run, then continues behind them', async () => {
  const turns = new CpuTurns(0);
  const order: string[] = [];
  const a = await turns.take();
  const b = tracked(turns);
  const paced = a.pace().then(() => order.push('a resumed'));
  await settle();
  expect(b.turn).toBeDefined();
  order.push('b ran');
  expect(order).toEqual(['b ran']);
  b.turn!.end();
  await paced;
  expect(order).toEqual(['b ran', 'a resumed']);
  a.end();
  expect(turns.waiting).toBe(0);
});

test('a payload that ended its turn (for a write) resumes at the back of the line', async () => {
  const turns = new CpuTurns(60_000);
  const a = await turns.take();
  a.end();
  const b = tracked(turns);
  await settle();
  const resumed = a.resume();
  await settle();
  expect(b.turn).toBeDefined();
  expect(turns.waiting).toBe(1);
  b.turn!.end();
  await resumed;
  a.end();
  expect(turns.waiting).toBe(0);
});

test('never two holders at once, and every payload finishes, whatever the pacing', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ paces: fc.nat(6), endsForWrite: fc.boolean() }), { minLength: 1, maxLength: 8 }),
      fc.constantFrom(0, 1_000_000),
      async (payloads, quantumMs) => {
        const turns = new CpuTurns(quantumMs);
        let holders = 0;
        let most = 0;
        const step = () => {
          holders++;
          most = Math.max(most, holders);
        };
        const run = async (p: { paces: number; endsForWrite: boolean }) => {
          const turn = await turns.take();
          step();
          for (let i = 0; i < p.paces; i++) {
            holders--;
            await turn.pace();
            step();
          }
          if (p.endsForWrite) {
            holders--;
            turn.end();
            await settle();
            await turn.resume();
            step();
          }
          holders--;
          turn.end();
        };
        await Promise.all(payloads.map(run));
        expect(most).toBe(1);
        expect(turns.waiting).toBe(0);
      },
    ),
    { numRuns: 50 },
  );
});
