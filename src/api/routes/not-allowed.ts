/**
 * Truthful answers for what the server does not do: 405 Method Not Allowed (with `Allow`) for DELETE,
 * PATCH and the other methods on FHIR URLs that exist for some method, instead of a 404 that would say
 * the resource is absent. Registered after the real routes; find-my-way prefers their static segments.
 */
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { FhirError, issue } from '../../fhir/outcome';
import { sendOutcome } from '../fhir-json';

const PATTERNS: Array<{ url: string; allow: HTTPMethods[] }> = [
  { url: '/fhir', allow: ['POST'] },
  { url: '/fhir/:type', allow: ['GET', 'POST'] },
  { url: '/fhir/:type/:id', allow: ['GET', 'PUT'] },
  { url: '/fhir/:type/:id/_history/:vid', allow: ['GET'] },
];
const ALL: HTTPMethods[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

export async function notAllowedRoutes(app: FastifyInstance): Promise<void> {
  for (const { url, allow } of PATTERNS) {
    const method = ALL.filter((m) => !allow.includes(m));
    app.route({
      method,
      url,
      handler: async (req, reply) => {
        reply.header('Allow', allow.join(', '));
        return sendOutcome(
          reply,
          new FhirError(
            405,
            issue(
              'not-supported',
              `${req.method} is not supported on this URL (allowed: ${allow.join(', ')})`,
            ),
          ),
        );
      },
    });
  }
}
