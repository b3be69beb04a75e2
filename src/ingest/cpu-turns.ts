import { setImmediate as yieldToLoop } from 'node:timers/promises';

/**
 * Turns on a process's CPU for the payloads it processes at once, in arrival order.
 *
 * Why: a worker process runs several payloads at once (INGEST_CONCURRENCY), and their CPU-heavy
 * steps (parse, validate, namespace, premap) used to take turns every 25 entries. Every payload in
 * process was then half done at once, holding its parsed and namespaced resources for as long as all
 * of them took together: V8's young-generation collections found them alive, copied them, and promoted
 * them to the old generation (GC was about a quarter of a worker's busy time, and the promoted garbage is what
 * grew a worker's memory under sustained load). With turns, one payload's CPU steps run together
 * (up to `quantumMs`, then it goes to the back of the line) while the others wait before they parse
 * anything, so a payload's objects are mostly dead by the next collection. I/O (Redis) is not a turn:
 * a payload leaves its turn before it writes.
 * Between entries a turn also yields to the event loop once its quantum is used up, so lock renewals,
 * replies and (in a process that also runs the API) requests are served.
 */
export class CpuTurns {
  private held = false;
  private readonly line: Array<() => void> = [];

  /** `quantumMs`: how long one payload's CPU steps run before it lets the next in line run. */
  constructor(readonly quantumMs: number) {}

  /** Waits for a turn (first come, first served). */
  async take(): Promise<CpuTurn> {
    await this.acquire();
    return new CpuTurn(this);
  }

  /** Payloads waiting for a turn (not counting the one that holds it). */
  get waiting(): number {
    return this.line.length;
  }

  /** @internal */
  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.line.push(resolve));
  }

  /** @internal Hands the turn to the next in line (it stays held), or frees it. */
  release(): void {
    const next = this.line.shift();
    if (next) next();
    else this.held = false;
  }
}

export class CpuTurn {
  private since = performance.now();
  private holding = true;

  constructor(private readonly turns: CpuTurns) {}

  /**
   * Called between entries: once the quantum is used up, lets the event loop run and the payloads in
   * line take their turns, then continues (at the back of the line).
   */
  async pace(): Promise<void> {
    if (!this.holding) {
      await this.resume();
      return;
    }
    if (performance.now() - this.since < this.turns.quantumMs) return;
    this.turns.release();
    this.holding = false;
    await yieldToLoop();
    await this.resume();
  }

  /** Takes the turn again after `end` (or a pause in `pace`). */
  async resume(): Promise<void> {
    if (this.holding) return;
    await this.turns.acquire();
    this.holding = true;
    this.since = performance.now();
  }

  /** Leaves the turn (before I/O, or when done). Safe to call more than once. */
  end(): void {
    if (!this.holding) return;
    this.holding = false;
    this.turns.release();
  }
}
