/**
 * A bound on the request bodies the API process holds at once (BODY_BUDGET_BYTES).
 *
 * Why: a body is held from its first byte to its answer, as received and parsed (a 9 MB bundle of
 * narrative-bearing entries costs the API ~15 MB while it is checked, recorded and answered, longer
 * when the answer waits for the workers). Sixteen such bundles at once took an API process whose heap
 * was capped at 256 MB to 713 MB resident without this bound (493 MB with it), and one capped at 128 MB
 * ran out of memory (with it, all sixteen were accepted: test/integration/api-memory.test.ts).
 * MAX_CONNECTIONS × BODY_LIMIT_BYTES is no bound: 512 × 10 MB.
 *
 * How: before its body is read (after authentication, so an unauthenticated client takes nothing), a
 * request with a body waits in line until its declared size (Content-Length; a chunked body counts
 * as BODY_LIMIT_BYTES, the most it can be) fits the bytes of the bodies being held; one body larger
 * than the whole budget is still taken, alone. A waiting body is not read: TCP holds the sender back.
 * Its bytes are freed when its answer is sent or its connection closes. A request that waits longer
 * than BODY_BUDGET_WAIT_MS (unless it is next in line) is answered 503 with Retry-After: nothing of
 * it was read, so nothing was accepted. Requests without a body (reads, status polls, /healthz)
 * never wait. 0 turns the bound off.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { FhirError, issue } from '../fhir/outcome';
import { PayloadBudget } from '../queue/payload-budget';
import { scrapedGauge, type Metrics } from '../ops/metrics';

export interface BodyBudgetOptions {
  /** Bytes of request bodies held at once (0: no bound). */
  bytes: number;
  /** How long a body may wait for room before it is answered 503 (the next in line always waits). */
  waitMs: number;
  /** BODY_LIMIT_BYTES: what a body of unknown size (chunked) counts as, and the most any counts. */
  bodyLimit: number;
  metrics?: Metrics;
}

/**
 * The bytes a request's body takes in the budget: 0 for none; its Content-Length, at most
 * `bodyLimit` (a larger one is answered 413 as soon as it is read); `bodyLimit` when chunked.
 */
export function declaredBodyBytes(req: FastifyRequest, bodyLimit: number): number {
  const length = req.headers['content-length'];
  if (length !== undefined) {
    const n = Number(length);
    return Number.isFinite(n) && n > 0 ? Math.min(n, bodyLimit) : 0;
  }
  return req.headers['transfer-encoding'] !== undefined ? bodyLimit : 0;
}

async function bodyBudget(app: FastifyInstance, opts: BodyBudgetOptions): Promise<void> {
  if (opts.bytes <= 0) return;
  const budget = new PayloadBudget(opts.bytes);
  if (opts.metrics) registerGauges(opts.metrics, budget);

  // preParsing: after every onRequest hook (authentication and scope checks), before the body is read.
  app.addHook('preParsing', async (req, reply, payload) => {
    const bytes = declaredBodyBytes(req, opts.bodyLimit);
    if (bytes === 0) return payload;
    // The answer sent or the connection gone: the body's bytes are free, and a waiter leaves the line.
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());
    const release = await budget.acquireWithin(bytes, opts.waitMs, gone.signal);
    if (gone.signal.aborted) {
      // Nobody is listening for an answer: end the request here (reading the body of a closed
      // connection would only fail and be logged as an error).
      release?.();
      reply.hijack();
      return payload;
    }
    // The error handler answers it as every 503: Retry-After, a warning log with the reason.
    if (!release)
      throw new FhirError(
        503,
        issue(
          'transient',
          'The server holds as many request bodies as it may at once (BODY_BUDGET_BYTES); this one was not read and nothing was accepted. Retry later.',
        ),
      );
    gone.signal.addEventListener('abort', release, { once: true });
    return payload;
  });
}

function registerGauges(metrics: Metrics, budget: PayloadBudget): void {
  scrapedGauge(
    metrics.registry,
    'bitebridge_api_body_bytes_held',
    'Request body bytes the API process holds (read or being read, until answered; BODY_BUDGET_BYTES, or one larger body alone)',
    () => budget.inFlight,
  );
  scrapedGauge(
    metrics.registry,
    'bitebridge_api_bodies_waiting',
    'Requests whose body is not read yet because the bodies held fill BODY_BUDGET_BYTES',
    () => budget.waiting,
  );
}

export const bodyBudgetPlugin = fp(bodyBudget, { name: 'body-budget' });
