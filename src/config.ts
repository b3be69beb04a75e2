/**
 * Process configuration, read once from the environment. Every knob is documented in README.md
 * ("Configuration"); defaults make `npm start` work on a laptop with nothing set.
 */
export interface Config {
  port: number;
  host: string;
  /** Explicit REDIS_URL disables the embedded fallback only when REDIS_EMBEDDED=never. */
  redisUrl: string;
  redisEmbedded: 'auto' | 'never';
  keyPrefix: string;
  /** Max request body in bytes (FHIR JSON). */
  bodyLimit: number;
  /** Max JSON nesting depth accepted at the edge. */
  jsonDepthLimit: number;
  tokensJson?: string;
  tokensFile?: string;
  /** Where a generated local token is kept between runs when no tokens are configured. */
  localTokenFile: string;
  logLevel: string;
  /** Job retention (completed / failed) in seconds and counts. */
  keepCompletedSeconds: number;
  keepFailedSeconds: number;
  jobAttempts: number;
  /** Stall detection: lock duration and check interval (ms). */
  lockDurationMs: number;
  stalledIntervalMs: number;
  workerConcurrency: number;
  exportDir: string;
  exportTtlSeconds: number;
  publicBaseUrl?: string;
  /** HMAC key of the pages' session cookies; random per process when unset. */
  uiSessionSecret?: string;
}

function int(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const s = (name: string) => (env[name] === '' ? undefined : env[name]);
  const prefix = s('KEY_PREFIX') ?? 'bb';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix)) throw new Error('KEY_PREFIX must match [A-Za-z0-9_-]{1,32}');
  return {
    port: int('PORT', 8080),
    host: s('HOST') ?? '127.0.0.1',
    redisUrl: s('REDIS_URL') ?? 'redis://127.0.0.1:6379',
    redisEmbedded: s('REDIS_EMBEDDED') === 'never' ? 'never' : 'auto',
    keyPrefix: prefix,
    bodyLimit: int('BODY_LIMIT_BYTES', 10 * 1024 * 1024),
    jsonDepthLimit: int('JSON_DEPTH_LIMIT', 64),
    tokensJson: s('BITEBRIDGE_TOKENS'),
    tokensFile: s('BITEBRIDGE_TOKENS_FILE'),
    localTokenFile: s('LOCAL_TOKEN_FILE') ?? 'var/local-token.json',
    logLevel: s('LOG_LEVEL') ?? 'info',
    keepCompletedSeconds: int('JOB_KEEP_COMPLETED_SECONDS', 24 * 3600),
    keepFailedSeconds: int('JOB_KEEP_FAILED_SECONDS', 14 * 24 * 3600),
    jobAttempts: int('JOB_ATTEMPTS', 5),
    lockDurationMs: int('JOB_LOCK_MS', 4000),
    stalledIntervalMs: int('JOB_STALLED_CHECK_MS', 2000),
    workerConcurrency: int('WORKER_CONCURRENCY', 8),
    exportDir: s('EXPORT_DIR') ?? 'var/exports',
    exportTtlSeconds: int('EXPORT_TTL_SECONDS', 3600),
    publicBaseUrl: s('PUBLIC_BASE_URL'),
    uiSessionSecret: s('UI_SESSION_SECRET'),
  };
}
