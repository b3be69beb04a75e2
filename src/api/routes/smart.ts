/**
 * SMART Backend Services endpoints: discovery (`/.well-known/smart-configuration`, at the root and
 * under the FHIR base, no token needed) and the token endpoint `POST /auth/token`
 * (application/x-www-form-urlencoded; answers in OAuth 2.0 JSON, not OperationOutcome).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError, type SmartTokens } from '../../auth/smart-token';
import { ASSERTION_ALGS } from '../../auth/smart-clients';
import { baseUrl } from '../base-url';

export const TOKEN_PATH = '/auth/token';
const FORM_LIMIT = 16 * 1024;

export async function smartRoutes(app: FastifyInstance, deps: { smart: SmartTokens }): Promise<void> {
  const configuration = (req: FastifyRequest) => ({
    issuer: baseUrl(req),
    token_endpoint: `${baseUrl(req)}${TOKEN_PATH}`,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    grant_types_supported: ['client_credentials'],
    scopes_supported: ['system/*.read', 'system/*.rs'],
    capabilities: ['client-confidential-asymmetric'],
  });
  for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration'])
    app.get(path, async (req, reply) => reply.type('application/json').send(configuration(req)));

  await app.register(async (scoped) => {
    scoped.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    const oauthError = (reply: FastifyReply, e: OAuthError) =>
      reply
        .code(e.status)
        .header('Cache-Control', 'no-store')
        .type('application/json')
        .send({ error: e.error, error_description: e.description });
    scoped.setErrorHandler((err: FastifyError, req, reply) => {
      if (err instanceof OAuthError) {
        req.log.info({ status: err.status, error: err.error }, 'token request refused');
        return oauthError(reply, err);
      }
      if (err.statusCode === 415 || err.statusCode === 413 || err.statusCode === 400)
        return oauthError(
          reply,
          new OAuthError(
            400,
            'invalid_request',
            'Send a form (application/x-www-form-urlencoded) of at most 16 KiB',
          ),
        );
      throw err;
    });
    scoped.post(TOKEN_PATH, async (req, reply) => {
      // OAuth token requests are forms (RFC 6749 §4.4.2); the JSON parser of /fhir is not for them.
      if (!/^application\/x-www-form-urlencoded\b/i.test(String(req.headers['content-type'])))
        throw new OAuthError(400, 'invalid_request', 'Send a form (application/x-www-form-urlencoded)');
      const form = (req.body ?? {}) as Record<string, unknown>;
      const res = await deps.smart.exchange(form, `${baseUrl(req)}${TOKEN_PATH}`);
      req.log.info({ scopes: res.scope.split(' ').length }, 'SMART access token issued');
      return reply
        .header('Cache-Control', 'no-store')
        .header('Pragma', 'no-cache')
        .type('application/json')
        .send(res);
    });
  });
}
