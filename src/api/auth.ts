/**
 * Bearer-token authentication and scope checks. `request.grant` is set for every request that
 * carries a known token; routes declare the scope they need with `requireScope`.
 * No token / unknown token → 401; a token without the scope → 403. Both as OperationOutcome.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { FhirError, issue } from '../fhir/outcome';
import { sendOutcome } from './fhir-json';
import type { Grant, Scope, TokenRegistry } from '../auth/tokens';
import type { SmartTokens } from '../auth/smart-token';
import { cookieGrant, readCookie, SESSION_COOKIE, type Sessions } from '../ui/session';

declare module 'fastify' {
  interface FastifyRequest {
    grant?: Grant;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * A bearer (or Basic) token wins; without one, a GET/HEAD may be authorised by the pages' session
 * cookie (src/ui/session.ts), narrowed to read/admin, so a signed-in browser can follow the pages'
 * FHIR links.
 */
async function auth(
  app: FastifyInstance,
  opts: { tokens: TokenRegistry; smart?: SmartTokens; sessions?: Sessions },
): Promise<void> {
  app.decorateRequest('grant', undefined);
  app.addHook('onRequest', async (req) => {
    req.grant = opts.tokens.lookup(req.headers.authorization);
    // Not a static token: maybe a SMART Backend Services access token (kept in Redis).
    if (!req.grant && opts.smart) req.grant = await opts.smart.lookup(req.headers.authorization);
    if (req.grant || !opts.sessions || req.headers.authorization || !SAFE_METHODS.has(req.method)) return;
    const digest = opts.sessions.verify(readCookie(req.headers.cookie, SESSION_COOKIE));
    const grant = digest ? opts.tokens.lookupDigest(digest) : undefined;
    req.grant = grant ? cookieGrant(grant) : undefined;
  });
}

export const authPlugin = fp(auth, { name: 'auth' });

/**
 * The answer is sent from the hook itself rather than thrown, so it is the same OperationOutcome in
 * plugins that install their own error handler (bull-board does).
 */
export function requireScope(scope: Scope, opts: { basicRealm?: string } = {}): onRequestHookHandler {
  return async function (req: FastifyRequest, reply: FastifyReply) {
    let err: FhirError | undefined;
    if (!req.grant) {
      reply.header('WWW-Authenticate', opts.basicRealm ? `Basic realm="${opts.basicRealm}"` : 'Bearer');
      err = new FhirError(401, issue('login', 'Missing or unknown bearer token'));
    } else if (!req.grant.scopes.includes(scope)) {
      err = new FhirError(403, issue('forbidden', `This token lacks the '${scope}' scope`));
    }
    if (err) return sendOutcome(reply, err);
  };
}

/** The caller's source: every id it sends or reads is namespaced by it. */
export function sourceOf(req: FastifyRequest): string {
  if (!req.grant) throw new FhirError(401, issue('login', 'Missing or unknown bearer token'));
  return req.grant.source;
}
