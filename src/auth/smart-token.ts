/**
 * SMART Backend Services token exchange (client_credentials + private_key_jwt, RFC 7523): verify a
 * client assertion and issue a short-lived access token. Errors are OAuth 2.0 errors (RFC 6749
 * §5.2): `invalid_client` (401) for any assertion that does not authenticate — unknown client,
 * wrong signature, expired, wrong audience, replayed jti — `invalid_request` / `invalid_scope` /
 * `unsupported_grant_type` (400) otherwise. Access tokens are random, kept in Redis only as a
 * SHA-256 digest with the grant, and expire on their own; they are never logged.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { digest, type Grant, type Scope } from './tokens';
import { ASSERTION_ALGS, type SmartClients } from './smart-clients';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Assertions may live at most 5 minutes (SMART Backend Services). */
const MAX_ASSERTION_LIFETIME_S = 300;

export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unsupported_grant_type',
    readonly description: string,
  ) {
    super(description);
  }
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

/**
 * `system/<type>.<perm>` scopes → bitebridge scopes. Any system read (v1 `read`, v2 `r`/`rs`) gives
 * `read`, and `export` too when the client is registered for it (Bulk export is a read of many
 * resources). Writes are not offered to SMART clients.
 */
export function mapScopes(requested: string, allowed: Scope[]): { scopes: Scope[]; granted: string[] } {
  const granted: string[] = [];
  const scopes = new Set<Scope>();
  for (const s of requested.split(/\s+/).filter((x) => x !== '')) {
    const m = /^system\/(\*|[A-Z][A-Za-z]+)\.(read|r|rs|s|cruds|\*)$/.exec(s);
    if (!m || !allowed.includes('read')) continue;
    granted.push(s);
    scopes.add('read');
    if (allowed.includes('export')) scopes.add('export');
  }
  return { scopes: [...scopes], granted };
}

export class SmartTokens {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly clients: SmartClients,
    private readonly ttlSeconds: number,
  ) {}

  private tokenKey(d: string): string {
    return `${this.prefix}:smart:token:${d}`;
  }
  private jtiKey(clientId: string, jti: string): string {
    return `${this.prefix}:smart:jti:${digest(`${clientId}\n${jti}`)}`;
  }

  async exchange(form: Record<string, unknown>, tokenUrl: string): Promise<TokenResponse> {
    const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : undefined);
    if (field('grant_type') !== 'client_credentials')
      throw new OAuthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    if (field('client_assertion_type') !== ASSERTION_TYPE)
      throw new OAuthError(400, 'invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}`);
    const assertion = field('client_assertion');
    if (!assertion) throw new OAuthError(400, 'invalid_request', 'client_assertion is required');
    const scope = field('scope');
    if (!scope) throw new OAuthError(400, 'invalid_request', 'scope is required');

    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(assertion).alg;
    } catch {
      throw new OAuthError(400, 'invalid_request', 'client_assertion is not a JWT');
    }
    if (!alg || !ASSERTION_ALGS.includes(alg))
      throw new OAuthError(
        401,
        'invalid_client',
        `client_assertion must be signed with ${ASSERTION_ALGS.join(' or ')}`,
      );
    // iss is read unverified only to pick the client's keys; the signature check follows.
    const iss = unverifiedIssuer(assertion);
    const client = iss ? this.clients.get(iss) : undefined;
    if (!client) throw new OAuthError(401, 'invalid_client', 'Unknown client');

    let payload: { sub?: string; jti?: string; exp?: number; iat?: number };
    try {
      ({ payload } = await jwtVerify(assertion, client.keys, {
        algorithms: ASSERTION_ALGS,
        issuer: client.clientId,
        subject: client.clientId,
        audience: tokenUrl,
        requiredClaims: ['exp', 'jti'],
        clockTolerance: 30,
      }));
    } catch (err) {
      throw new OAuthError(401, 'invalid_client', assertionProblem(err));
    }
    const now = Math.floor(Date.now() / 1000);
    if (payload.exp! - now > MAX_ASSERTION_LIFETIME_S + 30)
      throw new OAuthError(401, 'invalid_client', 'client_assertion exp is more than 5 minutes ahead');
    // A jti is accepted once while its assertion could still be used.
    const fresh = await this.redis.set(
      this.jtiKey(client.clientId, String(payload.jti)),
      '1',
      'EX',
      Math.max(1, payload.exp! - now + 60),
      'NX',
    );
    if (fresh !== 'OK') throw new OAuthError(401, 'invalid_client', 'client_assertion jti was already used');

    const { scopes, granted } = mapScopes(scope, client.scopes);
    if (!scopes.length)
      throw new OAuthError(
        400,
        'invalid_scope',
        'No requested scope can be granted (system/*.read or system/*.rs)',
      );
    const token = randomBytes(32).toString('base64url');
    const grant: Grant = { source: client.source, scopes, label: `smart:${client.clientId}` };
    await this.redis.set(this.tokenKey(digest(token)), JSON.stringify(grant), 'EX', this.ttlSeconds);
    return {
      access_token: token,
      token_type: 'bearer',
      expires_in: this.ttlSeconds,
      scope: granted.join(' '),
    };
  }

  /** The grant of a live SMART access token (`Authorization: Bearer …`), or undefined. */
  async lookup(authorization: string | undefined): Promise<Grant | undefined> {
    const m = /^Bearer\s+([A-Za-z0-9_-]{20,100})$/i.exec(authorization?.trim() ?? '');
    if (!m) return undefined;
    const j = await this.redis.get(this.tokenKey(digest(m[1])));
    return j ? (JSON.parse(j) as Grant) : undefined;
  }
}

function unverifiedIssuer(jwt: string): string | undefined {
  try {
    const body = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      iss?: unknown;
    };
    return typeof body.iss === 'string' ? body.iss : undefined;
  } catch {
    return undefined;
  }
}

function assertionProblem(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'client_assertion has expired';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'client_assertion signature is not valid';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'No registered key matches client_assertion';
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `client_assertion claim ${err.claim} is not valid`;
  return 'client_assertion could not be verified';
}
