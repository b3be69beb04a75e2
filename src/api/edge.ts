/**
 * The API's edge against slow or hostile clients, below the routes: HTTP server timeouts and connection
 * bounds, answers for errors Node's HTTP parser raises before fastify sees a request (408, 431, 400),
 * event-loop back-pressure (503), and one access-log line per request that names the route template,
 * never the URL: query strings carry names and birth dates.
 */
import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import underPressure from '@fastify/under-pressure';
import { issue, outcomeOf, type IssueCode } from '../fhir/outcome';
import type { Logger } from '../logger';
import { FHIR_JSON } from './fhir-json';
import type { HttpLimits } from './http-limits';

export { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http-limits';

/** How often Node looks for requests past their timeouts: a fraction of the shortest one. */
function checkingIntervalMs(l: HttpLimits): number {
  const shortest = Math.min(l.headersTimeoutMs || Infinity, l.requestTimeoutMs || Infinity);
  return Number.isFinite(shortest) ? Math.max(50, Math.min(1000, Math.floor(shortest / 4))) : 30_000;
}

export function serverOptions(
  l: HttpLimits,
  log: Logger,
): Partial<FastifyServerOptions> & { http: ServerOptions } {
  return {
    // Node requires headersTimeout ≤ requestTimeout when both are set.
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    maxRequestsPerSocket: l.maxRequestsPerSocket,
    http: {
      // Here too: Node checks headersTimeout against the requestTimeout of these options (default
      // 300 s) when it creates the server, before fastify applies its own; a longer one failed start-up.
      requestTimeout: l.requestTimeoutMs,
      headersTimeout: l.requestTimeoutMs
        ? Math.min(l.headersTimeoutMs, l.requestTimeoutMs)
        : l.headersTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(l),
      maxHeaderSize: l.maxHeaderBytes,
    },
    // One access line per request comes from accessLog() (route template, no URL); not fastify's own.
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler: clientErrorHandler(log),
  };
}

/** How long a connection answered with a client error may still drain before it is closed. */
const CLOSE_GRACE_MS = 2000;

const CLIENT_ERRORS: Record<string, [number, string, IssueCode, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'timeout',
    'The request (headers and body) was not received in time (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS); nothing was accepted',
  ],
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'too-costly',
    'The request line and headers exceed the limit (MAX_HEADER_BYTES); shorten the URL or the headers',
  ],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [
    413,
    'Payload Too Large',
    'too-costly',
    'Chunk extensions exceed the limit',
  ],
};

/**
 * Node's HTTP parser fails some requests before fastify has a request object: answer them as every
 * other error is answered, with an OperationOutcome, then close the connection (it cannot be reused).
 */
export function clientErrorHandler(log: Logger) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, text, code, diagnostics] = CLIENT_ERRORS[err.code ?? ''] ?? [
      400,
      'Bad Request',
      'structure',
      'Malformed HTTP request',
    ];
    log.info({ status, code: err.code ?? 'unknown' }, 'client error');
    // Only when nothing of a response was written yet, as Node does: never append to a started one.
    if (!socket.writable || socket.bytesWritten !== 0) {
      socket.destroy(err);
      return;
    }
    const body = JSON.stringify(outcomeOf([issue(code, diagnostics)]));
    // end() rather than destroy(): destroying with the client's unread bytes queued sends a reset,
    // and the client may lose the answer. What it still sends is drained; a short grace bounds it.
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: ${FHIR_JSON}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    socket.resume();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  };
}

/** Connections beyond maxConnections are refused at accept (Node closes them). */
export function boundConnections(app: FastifyInstance, l: HttpLimits): void {
  if (l.maxConnections > 0) app.server.maxConnections = l.maxConnections;
}

/** 503 + Retry-After as an OperationOutcome while the event loop lags (0 = off). */
export async function registerBackPressure(app: FastifyInstance, l: HttpLimits): Promise<void> {
  if (!l.maxEventLoopDelayMs) return;
  await app.register(underPressure, {
    maxEventLoopDelay: l.maxEventLoopDelayMs,
    retryAfter: 5,
    pressureHandler: (_req, reply) => {
      reply
        .code(503)
        .header('Retry-After', '5')
        .type(FHIR_JSON)
        .send(
          outcomeOf([issue('transient', 'The server is overloaded; nothing was accepted. Retry later.')]),
        );
    },
  });
}

/** One line per request: method, route template (never the URL or query), status, duration. */
export function accessLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      {
        method: req.method,
        route: req.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
  });
}
