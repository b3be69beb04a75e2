/**
 * Bearer-token authentication and scope checks. `request.grant` is set for every request that
 * carries a known token; routes declare the scope they need with `requireScope`.
 * No token / unknown token → 401; a token without the scope → 403. Both as OperationOutcome.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { FhirError, issue } from '../fhir/outcome';
import type { Grant, Scope, TokenRegistry } from '../auth/tokens';

declare module 'fastify' {
  interface FastifyRequest {
    grant?: Grant;
  }
}

async function auth(app: FastifyInstance, opts: { tokens: TokenRegistry }): Promise<void> {
  app.decorateRequest('grant', undefined);
  app.addHook('onRequest', async (req) => {
    req.grant = opts.tokens.lookup(req.headers.authorization);
  });
}

export const authPlugin = fp(auth, { name: 'auth' });

export function requireScope(scope: Scope, opts: { basicRealm?: string } = {}): onRequestHookHandler {
  return async function (req: FastifyRequest, reply: FastifyReply) {
    if (!req.grant) {
      if (opts.basicRealm) reply.header('WWW-Authenticate', `Basic realm="${opts.basicRealm}"`);
      else reply.header('WWW-Authenticate', 'Bearer');
      throw new FhirError(401, issue('login', 'Missing or unknown bearer token'));
    }
    if (!req.grant.scopes.includes(scope)) {
      throw new FhirError(403, issue('forbidden', `This token lacks the '${scope}' scope`));
    }
  };
}

/** The caller's source: every id it sends or reads is namespaced by it. */
export function sourceOf(req: FastifyRequest): string {
  if (!req.grant) throw new FhirError(401, issue('login', 'Missing or unknown bearer token'));
  return req.grant.source;
}
