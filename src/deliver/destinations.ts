/**
 * Registry destinations: where the `deliver` worker pushes courses and flags. Configured by
 * DELIVERY_DESTINATIONS (JSON array) or DELIVERY_DESTINATIONS_FILE, or created through the API with
 * the `admin` scope (kept in Redis). Secrets (bearer tokens, private keys) are never logged or echoed.
 *
 * SSRF guard: a destination's host (and a subscription's endpoint host) must be listed in
 * DELIVERY_ALLOWED_HOSTS; nothing else can ever be a target, whoever creates the destination.
 */
import type { JWK } from 'jose';
import { SOURCE_ID } from '../identity';
import { trimTrailingSlashes } from '../api/base-url';

export type DestinationAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | {
      type: 'smart-backend';
      tokenUrl: string;
      clientId: string;
      /** Private JWK (RS384 or ES384) that signs the client assertion. */
      privateJwk: JWK;
      scope: string;
    };

export interface DestinationFilter {
  /** Output resource types to push (default both). */
  resourceTypes?: Array<'MedicationStatement' | 'DetectedIssue'>;
  /** Flag codes to push (default every code); courses are not affected. */
  flagCodes?: string[];
  /** Only patients that are members of this Group (namespaced id). */
  group?: string;
}

/**
 * `absolute`: references rewritten to absolute URLs at this server, so the registry can resolve
 * them (the evidence stays here). `as-stored`: references exactly as bitebridge stores them.
 */
export type PayloadStyle = 'absolute' | 'as-stored';

export interface Destination {
  id: string;
  /** Only this source's patients are pushed: a destination never crosses sources. */
  source: string;
  baseUrl: string;
  auth: DestinationAuth;
  filter: DestinationFilter;
  payload: PayloadStyle;
  /** Entries per transaction Bundle (1..500, default 50). */
  bundleSize: number;
}

export class DestinationError extends Error {}

const ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
const RESOURCE_TYPES = ['MedicationStatement', 'DetectedIssue'];

/** Hosts (host or host:port, lower case) that may be delivery targets. */
export function parseAllowedHosts(raw: string | undefined): Set<string> {
  return new Set(
    (raw ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
  );
}

/** Throws unless `url` is http(s) without credentials and its host (or host:port) is allowed. */
export function assertAllowedUrl(url: string, allowed: Set<string>, what: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DestinationError(`${what} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new DestinationError(`${what} must be http or https`);
  if (u.username || u.password) throw new DestinationError(`${what} must not carry credentials`);
  if (!allowed.has(u.hostname.toLowerCase()) && !allowed.has(u.host.toLowerCase()))
    throw new DestinationError(`${what}: host ${u.host} is not in DELIVERY_ALLOWED_HOSTS`);
  return u;
}

function authOf(a: unknown, allowed: Set<string>, where: string): DestinationAuth {
  const x = (a ?? { type: 'none' }) as Record<string, unknown>;
  if (x.type === 'none') return { type: 'none' };
  if (x.type === 'bearer') {
    if (typeof x.token !== 'string' || x.token.length < 8)
      throw new DestinationError(`${where}: auth.token must be a string of at least 8 characters`);
    return { type: 'bearer', token: x.token };
  }
  if (x.type === 'smart-backend') {
    for (const k of ['tokenUrl', 'clientId', 'scope'])
      if (typeof x[k] !== 'string' || x[k] === '')
        throw new DestinationError(`${where}: auth.${k} must be a non-empty string`);
    assertAllowedUrl(x.tokenUrl as string, allowed, `${where}: auth.tokenUrl`);
    const jwk = x.privateJwk as JWK | undefined;
    if (!jwk || typeof jwk !== 'object' || !jwk.d || !['RS384', 'ES384'].includes(String(jwk.alg)))
      throw new DestinationError(`${where}: auth.privateJwk must be a private JWK with alg RS384 or ES384`);
    return {
      type: 'smart-backend',
      tokenUrl: x.tokenUrl as string,
      clientId: x.clientId as string,
      privateJwk: jwk,
      scope: x.scope as string,
    };
  }
  throw new DestinationError(`${where}: auth.type must be none, bearer or smart-backend`);
}

/** One destination from untrusted JSON (config or API body); throws DestinationError with a reason. */
export function parseDestination(raw: unknown, allowed: Set<string>, fixedSource?: string): Destination {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new DestinationError('a destination must be an object');
  const d = raw as Record<string, unknown>;
  const where = `destination ${typeof d.id === 'string' ? d.id : '?'}`;
  if (typeof d.id !== 'string' || !ID.test(d.id))
    throw new DestinationError('destination id must match [a-z0-9][a-z0-9-]{0,39}');
  const source = fixedSource ?? d.source;
  if (typeof source !== 'string' || !SOURCE_ID.test(source))
    throw new DestinationError(`${where}: source must be a source id`);
  if (typeof d.baseUrl !== 'string') throw new DestinationError(`${where}: baseUrl must be a string`);
  assertAllowedUrl(d.baseUrl, allowed, `${where}: baseUrl`);
  const f = (d.filter ?? {}) as Record<string, unknown>;
  if (typeof f !== 'object' || Array.isArray(f))
    throw new DestinationError(`${where}: filter must be an object`);
  const filter: DestinationFilter = {};
  if (f.resourceTypes !== undefined) {
    if (!Array.isArray(f.resourceTypes) || f.resourceTypes.some((t) => !RESOURCE_TYPES.includes(t as string)))
      throw new DestinationError(`${where}: filter.resourceTypes: ${RESOURCE_TYPES.join(' and/or ')}`);
    filter.resourceTypes = f.resourceTypes as DestinationFilter['resourceTypes'];
  }
  if (f.flagCodes !== undefined) {
    if (!Array.isArray(f.flagCodes) || f.flagCodes.some((c) => typeof c !== 'string'))
      throw new DestinationError(`${where}: filter.flagCodes must be a list of codes`);
    filter.flagCodes = f.flagCodes as string[];
  }
  if (f.group !== undefined) {
    if (typeof f.group !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(f.group))
      throw new DestinationError(`${where}: filter.group must be a Group id`);
    filter.group = f.group.startsWith(`${source}.`) ? f.group : `${source}.${f.group}`;
  }
  const payload = d.payload ?? 'absolute';
  if (payload !== 'absolute' && payload !== 'as-stored')
    throw new DestinationError(`${where}: payload must be absolute or as-stored`);
  const bundleSize = d.bundleSize ?? 50;
  if (!Number.isInteger(bundleSize) || (bundleSize as number) < 1 || (bundleSize as number) > 500)
    throw new DestinationError(`${where}: bundleSize must be an integer 1..500`);
  return {
    id: d.id,
    source,
    baseUrl: trimTrailingSlashes(d.baseUrl),
    auth: authOf(d.auth, allowed, where),
    filter,
    payload,
    bundleSize: bundleSize as number,
  };
}

export function parseDestinations(json: string, allowed: Set<string>, what: string): Destination[] {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new DestinationError(`${what} is not valid JSON`);
  }
  if (!Array.isArray(v)) throw new DestinationError(`${what} must be a JSON array of destinations`);
  const list = v.map((d) => parseDestination(d, allowed));
  const ids = new Set<string>();
  for (const d of list) {
    if (ids.has(d.id)) throw new DestinationError(`${what}: destination ${d.id} is listed twice`);
    ids.add(d.id);
  }
  return list;
}

/** What the API shows of a destination: everything but secrets. */
export function publicView(d: Destination): Record<string, unknown> {
  const auth =
    d.auth.type === 'smart-backend'
      ? { type: d.auth.type, tokenUrl: d.auth.tokenUrl, clientId: d.auth.clientId, scope: d.auth.scope }
      : { type: d.auth.type };
  return { ...d, auth };
}

/** True when an output passes the destination's type and flag-code filters. */
export function passesFilter(
  filter: DestinationFilter,
  r: { resourceType: string; code?: { coding?: Array<{ code?: string }> } },
): boolean {
  if (filter.resourceTypes && !(filter.resourceTypes as string[]).includes(r.resourceType)) return false;
  if (r.resourceType === 'DetectedIssue' && filter.flagCodes) {
    const codes = (r.code?.coding ?? []).map((c) => c.code);
    if (!codes.some((c) => c !== undefined && filter.flagCodes!.includes(c))) return false;
  }
  return true;
}
