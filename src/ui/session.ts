/**
 * Browser sessions for the pages: the token is typed once on the sign-in form, and the browser then
 * holds an HttpOnly, SameSite=Strict cookie `<expiry>.<token digest>.<HMAC>`; the token itself never
 * reaches a URL, a page or the cookie. The HMAC key is UI_SESSION_SECRET (share it between API
 * processes behind one load balancer) or a random key per process (sessions end at restart).
 * A cookie only ever grants `read` (and `admin`, for the cohort's source choice), and only on GET/HEAD:
 * a cross-site form can neither write nor start an export with it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Grant, Scope } from '../auth/tokens';

export const SESSION_COOKIE = 'bb_ui';
export const SESSION_SCOPES: readonly Scope[] = ['read', 'admin'];
const DEFAULT_TTL_SECONDS = 8 * 3600;

export interface SessionOptions {
  secret?: string;
  ttlSeconds?: number;
  now?: () => number;
}

export class Sessions {
  private readonly key: Buffer;
  readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(opts: SessionOptions = {}) {
    if (opts.secret !== undefined && opts.secret.length < 32) {
      throw new Error('UI_SESSION_SECRET must be at least 32 characters');
    }
    this.key = opts.secret ? Buffer.from(opts.secret, 'utf8') : randomBytes(32);
    this.ttlSeconds = opts.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    this.now = opts.now ?? Date.now;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  /** The cookie value for a signed-in token (by its digest). */
  issue(tokenDigest: string): string {
    const payload = `${Math.floor(this.now() / 1000) + this.ttlSeconds}.${tokenDigest}`;
    return `${payload}.${this.mac(payload)}`;
  }

  /** The token digest of a valid, unexpired cookie value, else undefined. */
  verify(value: string | undefined): string | undefined {
    if (!value) return undefined;
    const m = /^(\d{1,12})\.([0-9a-f]{64})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!m) return undefined;
    const payload = `${m[1]}.${m[2]}`;
    const given = Buffer.from(m[3]);
    const expected = Buffer.from(this.mac(payload));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (Number(m[1]) * 1000 <= this.now()) return undefined;
    return m[2];
  }
}

/** One cookie's value from a Cookie header (no dependency: the header grammar needed is tiny). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, opts: { maxAge: number; secure: boolean }): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${opts.maxAge}`,
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}

/** A grant narrowed to what a cookie may carry. */
export function cookieGrant(grant: Grant): Grant | undefined {
  const scopes = grant.scopes.filter((s) => SESSION_SCOPES.includes(s));
  return scopes.length ? { ...grant, scopes } : undefined;
}
