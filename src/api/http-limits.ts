/**
 * The API's HTTP limits and their defaults, in a module of their own: the configuration reads the
 * defaults, and the CLI and the workers load the configuration without loading fastify.
 */
export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxRequestsPerSocket: number;
  maxConnections: number;
  maxHeaderBytes: number;
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
