/**
 * A per-process budget on the recorded payload bytes being processed at once.
 *
 * Why: a payload costs the worker many times its size while it is parsed, validated, namespaced and
 * written (a 9 MB bundle of 981 narrative-bearing entries peaked near 100 MB of heap). With eight
 * such payloads at once (INGEST_CONCURRENCY 8), one worker process reached 1 GB resident, and a worker
 * whose V8 old generation is capped (WORKER_MAX_OLD_SPACE_MB) ran out of memory and crashed, again on
 * every retry. Holding a payload back until the bytes in process fit keeps the peak near one or two
 * large payloads, so a cap can be sized for them. Ordinary bundles (a Synthea patient is ~140 kB)
 * fit many times over.
 *
 * Rules: a payload is admitted while the bytes in process plus its own fit the limit, or when nothing
 * is in process (one payload larger than the budget still runs, alone). Waiters are admitted in
 * arrival order, so a large payload is not overtaken for ever by small ones (a small one waits its
 * turn behind it). A limit of 0 admits everything. A waiter behind the head of the line may give up
 * after a while (`acquireWithin`): the ingest processor then hands its job back to the queue, so a
 * process whose budget is taken by large payloads does not keep jobs another process could run now.
 * A waiter whose request is gone (an AbortSignal) leaves the line at once, the head of the line too.
 *
 * The API process keeps one for the request bodies it holds (src/api/body-budget.ts), the ingest
 * worker one for the payloads it processes (queue/processors/ingest.ts).
 */
export class PayloadBudget {
  private inFlightBytes = 0;
  private admitted = 0;
  private readonly queue: Array<{ bytes: number; admit: () => void }> = [];

  constructor(readonly limitBytes: number) {}

  /** Bytes of the payloads admitted and not yet released. */
  get inFlight(): number {
    return this.inFlightBytes;
  }

  /** Payloads waiting to be admitted. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Waits until `bytes` may be processed; returns the release, which must be called exactly once
   * (a second call does nothing, so a `finally` after an early release cannot free bytes twice).
   */
  async acquire(bytes: number): Promise<() => void> {
    return (await this.acquireWithin(bytes, Infinity))!;
  }

  /**
   * As `acquire`, but gives up after `waitMs` unless it is the head of the line by then: undefined, and
   * the payload has left the line (the ingest processor then hands its job back to the queue). An
   * aborted `signal` gives up at once wherever the waiter stands (its request is gone).
   */
  async acquireWithin(
    bytes: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<(() => void) | undefined> {
    const size = Math.max(0, bytes);
    if (signal?.aborted) return undefined;
    if (!this.queue.length && this.fits(size)) this.take(size);
    else if (!(await this.wait(size, waitMs, signal))) return undefined;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlightBytes -= size;
      this.admitted--;
      this.admitWaiting();
    };
  }

  private fits(bytes: number): boolean {
    return this.limitBytes <= 0 || this.admitted === 0 || this.inFlightBytes + bytes <= this.limitBytes;
  }

  private take(bytes: number): void {
    this.inFlightBytes += bytes;
    this.admitted++;
  }

  /**
   * True once admitted; false when `waitMs` passed first (the waiter is then out of the line). The
   * head of the line never gives up: it is next whatever happens, and were it handed back it would
   * rejoin the queue's tail while the smaller payloads behind it took its bytes.
   */
  private wait(bytes: number, waitMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      // Out of the line without bytes (given up or aborted); the waiters behind a head that left may fit now.
      const leave = (at: number) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', abort);
        this.queue.splice(at, 1);
        resolve(false);
        if (at === 0) this.admitWaiting();
      };
      const abort = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) leave(at); // else admitted meanwhile: the caller releases
      };
      const waiter = {
        bytes,
        admit: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', abort);
          resolve(true);
        },
      };
      signal?.addEventListener('abort', abort, { once: true });
      const giveUp = () => {
        const at = this.queue.indexOf(waiter);
        if (at < 0) return; // admitted meanwhile
        if (at === 0) {
          timer = setTimeout(giveUp, waitMs);
          return;
        }
        leave(at);
      };
      if (Number.isFinite(waitMs)) timer = setTimeout(giveUp, waitMs);
      this.queue.push(waiter);
    });
  }

  private admitWaiting(): void {
    while (this.queue.length && this.fits(this.queue[0].bytes)) {
      const next = this.queue.shift()!;
      this.take(next.bytes);
      next.admit();
    }
  }
}
