/**
 * Bearer tokens. Each token belongs to one source (hospital or registry) and carries scopes. Tokens
 * are kept only as SHA-256 digests in memory and are never logged.
 *
 * Configuration (README "Authentication"):
 * - BITEBRIDGE_TOKENS: JSON array of { "token" | "sha256", "source", "scopes": [...], "label"? }
 * - BITEBRIDGE_TOKENS_FILE: a file with the same JSON.
 * - neither: a local token (all scopes, source "local") is generated once, saved to LOCAL_TOKEN_FILE
 *   (mode 0600) and printed once, so `npm start` works with no set-up.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SOURCE_ID } from '../identity';

export const SCOPES = ['ingest', 'read', 'export', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Grant {
  source: string;
  scopes: Scope[];
  label?: string;
}

interface TokenSpec {
  token?: string;
  sha256?: string;
  source: string;
  scopes: string[];
  label?: string;
}

export function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class TokenRegistry {
  private readonly byDigest = new Map<string, Grant>();

  constructor(specs: TokenSpec[]) {
    specs.forEach((s, i) => {
      if (!s || typeof s !== 'object') throw new Error(`token #${i + 1}: expected an object`);
      const where = `token #${i + 1}${s.label ? ` (${s.label})` : ''}`;
      if (typeof s.source !== 'string' || !SOURCE_ID.test(s.source)) {
        throw new Error(
          `${where}: source must match ${SOURCE_ID} (lower-case letters, digits, '-'; no dots)`,
        );
      }
      if (
        !Array.isArray(s.scopes) ||
        !s.scopes.length ||
        s.scopes.some((x) => !(SCOPES as readonly string[]).includes(x))
      ) {
        throw new Error(`${where}: scopes must be a non-empty list of ${SCOPES.join(', ')}`);
      }
      const d = s.sha256 ?? (s.token ? digest(s.token) : undefined);
      if (!d || !/^[0-9a-f]{64}$/.test(d)) throw new Error(`${where}: give "token" or a hex "sha256" digest`);
      if (s.token !== undefined && s.token.length < 16)
        throw new Error(`${where}: token shorter than 16 characters`);
      // A token listed twice could silently change source or scopes: refuse it.
      if (this.byDigest.has(d)) throw new Error(`${where}: the same token is configured twice`);
      this.byDigest.set(d, { source: s.source, scopes: s.scopes as Scope[], label: s.label });
    });
  }

  /** The grant for an `Authorization` header value, or undefined. */
  lookup(authorization: string | undefined): Grant | undefined {
    if (!authorization) return undefined;
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    let token = m?.[1];
    if (!token) {
      // Browsers can only send Basic auth to the dashboard: the token is the password.
      const b = /^Basic\s+(\S+)$/i.exec(authorization.trim());
      if (b) token = Buffer.from(b[1], 'base64').toString('utf8').split(':').slice(1).join(':');
    }
    return token ? this.byDigest.get(digest(token)) : undefined;
  }

  /** The grant of a token known by its digest (browser sessions keep only the digest). */
  lookupDigest(tokenDigest: string): Grant | undefined {
    return this.byDigest.get(tokenDigest);
  }

  get size(): number {
    return this.byDigest.size;
  }
}

export interface LoadedTokens {
  registry: TokenRegistry;
  /** Human explanation of where tokens came from (printed at start-up, never the token itself…). */
  origin: string;
  /** …except a freshly generated local token, which is shown once. */
  generatedToken?: string;
}

export function loadTokens(cfg: {
  tokensJson?: string;
  tokensFile?: string;
  localTokenFile: string;
}): LoadedTokens {
  const parse = (text: string, what: string): TokenSpec[] => {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new Error(`${what} is not valid JSON`);
    }
    if (!Array.isArray(v)) throw new Error(`${what} must be a JSON array of tokens`);
    return v as TokenSpec[];
  };
  if (cfg.tokensJson)
    return {
      registry: new TokenRegistry(parse(cfg.tokensJson, 'BITEBRIDGE_TOKENS')),
      origin: 'BITEBRIDGE_TOKENS',
    };
  if (cfg.tokensFile) {
    return {
      registry: new TokenRegistry(parse(readFileSync(cfg.tokensFile, 'utf8'), cfg.tokensFile)),
      origin: `BITEBRIDGE_TOKENS_FILE (${cfg.tokensFile})`,
    };
  }
  if (existsSync(cfg.localTokenFile)) {
    const specs = parse(readFileSync(cfg.localTokenFile, 'utf8'), cfg.localTokenFile);
    return { registry: new TokenRegistry(specs), origin: `the local token file ${cfg.localTokenFile}` };
  }
  const token = randomBytes(24).toString('base64url');
  const specs: TokenSpec[] = [
    { token, source: 'local', scopes: [...SCOPES], label: 'generated local token' },
  ];
  mkdirSync(dirname(cfg.localTokenFile), { recursive: true });
  writeFileSync(cfg.localTokenFile, JSON.stringify(specs, null, 2) + '\n', { mode: 0o600 });
  return {
    registry: new TokenRegistry(specs),
    origin: `a new local token saved in ${cfg.localTokenFile}`,
    generatedToken: token,
  };
}

/** The token stored in a local token file (for the demo script and the README's curl examples). */
export function readLocalToken(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const specs = JSON.parse(readFileSync(file, 'utf8')) as TokenSpec[];
  return specs[0]?.token;
}
