/** The FHIR `Prefer` header (RFC 7240): `respond-async`, `handling=strict|lenient`. */
import type { FastifyRequest } from 'fastify';

export function wantsAsync(req: FastifyRequest): boolean {
  return /(^|[,;\s])respond-async([,;\s]|$)/.test(String(req.headers.prefer ?? ''));
}
