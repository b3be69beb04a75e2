/**
 * The API's HTTP limits and their defaults, in a module of their own: the configuration reads the
 * defaults, and the CLI and the workers load the configuration without loading fastify.
 */
export interface HttpLimits {
  /** Slow clients: time to receive all headers, and the whole request (headers + body). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Idle keep-alive connections are closed after this. */
  keepAliveTimeoutMs: number;
  maxRequestsPerSocket: number;
  /** Open connections the API accepts at once; more are refused at connect. */
  maxConnections: number;
  /** Request line + headers, bytes; more is answered 431. */
  maxHeaderBytes: number;
  /** Event-loop delay above which requests are answered 503 (0 = off). */
  maxEventLoopDelayMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 1000,
  maxConnections: 512,
  maxHeaderBytes: 16 * 1024,
  maxEventLoopDelayMs: 2_000,
};
