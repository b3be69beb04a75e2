/**
 * The Authorization header for a destination. SMART Backend Services: a client assertion (JWT,
 * RS384/ES384, 5 minutes, unique jti) is exchanged at the registry's token endpoint for an access
 * token, cached until shortly before it expires. Tokens never leave this module except as headers.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { Destination } from './destinations';

const cache = new Map<string, { token: string; until: number }>();

export async function authorizationFor(
  d: Destination,
  fetchFn: typeof fetch = fetch,
): Promise<string | undefined> {
  const a = d.auth;
  if (a.type === 'none') return undefined;
  if (a.type === 'bearer') return `Bearer ${a.token}`;
  const hit = cache.get(d.id);
  if (hit && hit.until > Date.now()) return `Bearer ${hit.token}`;
  const alg = String(a.privateJwk.alg);
  const key = await importJWK(a.privateJwk, alg);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg, typ: 'JWT', ...(a.privateJwk.kid ? { kid: a.privateJwk.kid } : {}) })
    .setIssuer(a.clientId)
    .setSubject(a.clientId)
    .setAudience(a.tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
  const res = await fetchFn(a.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: a.scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
    signal: AbortSignal.timeout(30_000),
  });
  // Only the status is reported: the body of a token endpoint's error is not for logs.
  if (!res.ok) throw new Error(`token endpoint answered HTTP ${res.status}`);
  const body = (await res.json()) as { access_token?: string; expires_in?: number };
  if (typeof body.access_token !== 'string') throw new Error('token endpoint gave no access_token');
  const ttl = Math.max(0, (body.expires_in ?? 300) - 30) * 1000;
  cache.set(d.id, { token: body.access_token, until: Date.now() + ttl });
  return `Bearer ${body.access_token}`;
}
