/**
 * SMART Backend Services clients (README "Deliver to a registry"): machine clients that obtain
 * short-lived access tokens with a signed JWT assertion instead of holding a static token.
 *
 * SMART_CLIENTS (JSON array) or SMART_CLIENTS_FILE:
 *   { "clientId": "...", "source": "hospa", "scopes": ["read", "export"], "jwks": { "keys": [...] } }
 * `scopes` caps what a token of this client can carry; `jwks` holds the client's PUBLIC keys
 * (RS384 or ES384), inline: this server never fetches a JWKS URL.
 */
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';
import { SOURCE_ID } from '../identity';
import type { Scope } from './tokens';

export const ASSERTION_ALGS = ['RS384', 'ES384'];
const CLIENT_SCOPES: Scope[] = ['read', 'export'];

export interface SmartClient {
  clientId: string;
  source: string;
  scopes: Scope[];
  keys: ReturnType<typeof createLocalJWKSet>;
}

function parseClient(raw: unknown, i: number): SmartClient {
  const c = raw as Record<string, unknown>;
  const where = `SMART client #${i + 1}`;
  if (!c || typeof c !== 'object') throw new Error(`${where}: expected an object`);
  if (typeof c.clientId !== 'string' || !/^[A-Za-z0-9._~-]{1,128}$/.test(c.clientId))
    throw new Error(`${where}: clientId must be 1..128 characters of [A-Za-z0-9._~-]`);
  if (typeof c.source !== 'string' || !SOURCE_ID.test(c.source))
    throw new Error(`${where}: source must match ${SOURCE_ID}`);
  if (
    !Array.isArray(c.scopes) ||
    !c.scopes.length ||
    c.scopes.some((s) => !CLIENT_SCOPES.includes(s as Scope))
  )
    throw new Error(`${where}: scopes must be a non-empty list of ${CLIENT_SCOPES.join(', ')}`);
  const jwks = c.jwks as JSONWebKeySet | undefined;
  if (!jwks || !Array.isArray(jwks.keys) || !jwks.keys.length)
    throw new Error(`${where}: jwks must be a JWK Set with at least one public key`);
  for (const k of jwks.keys as JWK[]) {
    if ((k as { d?: unknown }).d !== undefined)
      throw new Error(`${where}: jwks must hold public keys only (a private key was given)`);
    if (k.alg !== undefined && !ASSERTION_ALGS.includes(k.alg))
      throw new Error(`${where}: key alg must be ${ASSERTION_ALGS.join(' or ')}`);
  }
  return {
    clientId: c.clientId,
    source: c.source,
    scopes: c.scopes as Scope[],
    keys: createLocalJWKSet(jwks),
  };
}

export class SmartClients {
  private readonly byId = new Map<string, SmartClient>();
  constructor(specs: unknown[]) {
    specs.forEach((s, i) => {
      const c = parseClient(s, i);
      if (this.byId.has(c.clientId)) throw new Error(`SMART client ${c.clientId} is configured twice`);
      this.byId.set(c.clientId, c);
    });
  }
  get(clientId: string): SmartClient | undefined {
    return this.byId.get(clientId);
  }
  get size(): number {
    return this.byId.size;
  }
}

export function loadSmartClients(cfg: {
  smartClientsJson?: string;
  smartClientsFile?: string;
}): SmartClients {
  const text =
    cfg.smartClientsJson ?? (cfg.smartClientsFile ? readFileSync(cfg.smartClientsFile, 'utf8') : '[]');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('SMART_CLIENTS is not valid JSON');
  }
  if (!Array.isArray(v)) throw new Error('SMART_CLIENTS must be a JSON array of clients');
  return new SmartClients(v);
}
