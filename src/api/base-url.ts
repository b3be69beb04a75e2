/**
 * The absolute base of links this server hands out (Location, Content-Location, paging links, export
 * file URLs): PUBLIC_BASE_URL when set (behind a proxy or load balancer), else the request's own
 * scheme and host.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    publicBaseUrl?: string;
  }
}

export function setPublicBaseUrl(app: FastifyInstance, url: string | undefined): void {
  app.decorate('publicBaseUrl', url ? trimTrailingSlashes(url) : undefined);
}

/** A scan, not `/\/+$/` (which backtracks quadratically on a long run of slashes). */
export function trimTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
}

export function baseUrl(req: FastifyRequest): string {
  return req.server.publicBaseUrl ?? `${req.protocol}://${req.host}`;
}
