/**
 * Process configuration, read once from the environment. Every knob is documented in README.md
 * ("Configuration"); defaults make `npm start` work on a laptop with nothing set.
 */
import { availableParallelism } from 'node:os';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './api/http-limits';
import { DEFAULT_JSON_LIMITS } from './ingest/json-limits';
import { DEFAULT_REJECT_LIMITS } from './store/reject-log';
import { DEFAULT_PENDING_ALERT_SECONDS } from './ops/ingest-health';

/** Every knob; the HTTP limits (src/api/http-limits.ts) are among them, under their own names. */
export interface Config extends HttpLimits {
  port: number;
  host: string;
  /** Explicit REDIS_URL disables the embedded fallback only when REDIS_EMBEDDED=never. */
  redisUrl: string;
  redisEmbedded: 'auto' | 'never';
  keyPrefix: string;
  /** Max request body in bytes (FHIR JSON). */
  bodyLimit: number;
  /** Request body bytes the API holds at once (0: no bound); see src/api/body-budget.ts. */
  bodyBudgetBytes: number;
  /** How long a request body waits for room before a 503 (the next in line always waits). */
  bodyBudgetWaitMs: number;
  /** Max JSON nesting depth accepted at the edge. */
  jsonDepthLimit: number;
  /** Other per-request structural bounds checked at the edge (src/ingest/json-limits.ts). */
  maxBundleEntries: number;
  maxArrayLength: number;
  maxStringLength: number;
  /** Reject log: records kept per request, and per source (oldest dropped first). */
  rejectsPerRequest: number;
  rejectsPerSource: number;
  /** Largest resource copied into a reject record, in characters of JSON; bigger ones are summarised. */
  rejectResourceChars: number;
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
  /** Ingest jobs in flight per worker process (CPU-bound: see workerOptions in queue/queues.ts). */
  ingestConcurrency: number;
  /** How long a synchronous ingest request waits for its payload's result before answering 202 (ms). */
  syncWaitMs: number;
  /** How often each ingest worker sweeps the ingest log (lost jobs, backoff retries, dead letters). */
  sweepIntervalMs: number;
  /** A payload still pending after this many seconds raises the `pending-stale` alert (/alerts). */
  pendingAlertSeconds: number;
  /** Ingest answers 503 once Redis used memory reaches this fraction of its maxmemory (ops/storage-guard.ts). */
  ingestMemoryHighWater: number;
  /**
   * `npm start`: worker processes forked to run every queue (default: one per core). 0 runs the
   * workers inside the API process instead (one process for everything: small set-ups, development).
   */
  workerProcesses: number;
  /** Forked worker processes run this many nice steps below the API process (0: same priority). */
  workerNice: number;
  /** V8 old-generation cap of each forked worker process, MB (0: none; see v8-flags.ts). */
  workerMaxOldSpaceMb: number;
  /**
   * Recorded payload bytes one process processes at once (src/queue/payload-budget.ts); a payload that
   * does not fit waits for bytes to be released. 0: no budget.
   */
  payloadBudgetBytes: number;
  /** How long a payload waits for budget before its job is handed back to the queue (ms). */
  payloadBudgetWaitMs: number;
  /**
   * How long one payload's CPU steps run before the next payload in the process takes its turn (ms;
   * src/ingest/cpu-turns.ts). 0: no turns (the payloads in process interleave every 25 entries).
   */
  ingestTurnMs: number;
  /**
   * Rounds of the sample patients through the clinical core when a process first loads it, before
   * its workers take jobs (src/clinical-warm-up.ts); 0 skips the warm-up.
   */
  warmUpRounds: number;
  /** `$validate` runs in a worker-thread pool: its size, idle exit and queue bound. */
  validateThreads: number;
  validateIdleMs: number;
  validateMaxQueue: number;
  /** The UI pages are drawn in a one-thread pool: page requests waiting for it before 503. */
  uiPagesMaxQueue: number;
  exportDir: string;
  exportTtlSeconds: number;
  publicBaseUrl?: string;
  /** A separate listener for /metrics (then absent from PORT); unset: /metrics is served on PORT. */
  metricsPort?: number;
  metricsHost: string;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Delivery to registries (README "Deliver to a registry"): allowed target hosts, destinations. */
  deliveryAllowedHosts?: string;
  deliveryDestinationsJson?: string;
  deliveryDestinationsFile?: string;
  /** SMART Backend Services clients (JSON array) and access-token lifetime. */
  smartClientsJson?: string;
  smartClientsFile?: string;
  smartTokenTtlSeconds: number;
  /** Bulk status polls sooner than this after the previous one get 429 (0: no limit). */
  exportMinPollMs: number;
  /** HMAC key of the pages' session cookies; random per process when unset. */
  uiSessionSecret?: string;
}

function intOf(name: string, raw: string | undefined, def: number): number {
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

/** A fraction in (0, 1]. */
function fractionOf(name: string, raw: string | undefined, def: number): number {
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1)
    throw new Error(`${name} must be a fraction in (0, 1], got "${raw}"`);
  return n;
}

function niceSteps(n: number): number {
  if (n > 19) throw new Error(`WORKER_NICE must be 0–19 (nice steps), got ${n}`);
  return n;
}

/** A duration that 0 would make meaningless (every pending payload would be "stale" at once). */
function positiveIntOf(name: string, raw: string | undefined, def: number): number {
  const n = intOf(name, raw, def);
  if (n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const s = (name: string) => (env[name] === '' ? undefined : env[name]);
  // Every setting from `env`, the numbers too.
  const int = (name: string, def: number) => intOf(name, env[name], def);
  const fraction = (name: string, def: number) => fractionOf(name, env[name], def);
  const positiveInt = (name: string, def: number) => positiveIntOf(name, env[name], def);
  const prefix = s('KEY_PREFIX') ?? 'bb';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix)) throw new Error('KEY_PREFIX must match [A-Za-z0-9_-]{1,32}');
  return {
    port: int('PORT', 8080),
    host: s('HOST') ?? '127.0.0.1',
    redisUrl: s('REDIS_URL') ?? 'redis://127.0.0.1:6379',
    redisEmbedded: s('REDIS_EMBEDDED') === 'never' ? 'never' : 'auto',
    keyPrefix: prefix,
    bodyLimit: int('BODY_LIMIT_BYTES', 10 * 1024 * 1024),
    bodyBudgetBytes: int('BODY_BUDGET_BYTES', 32 * 1024 * 1024),
    bodyBudgetWaitMs: int('BODY_BUDGET_WAIT_MS', 5000),
    jsonDepthLimit: int('JSON_DEPTH_LIMIT', DEFAULT_JSON_LIMITS.maxDepth),
    maxBundleEntries: int('MAX_BUNDLE_ENTRIES', DEFAULT_JSON_LIMITS.maxBundleEntries),
    maxArrayLength: int('MAX_ARRAY_LENGTH', DEFAULT_JSON_LIMITS.maxArrayLength),
    maxStringLength: int('MAX_STRING_LENGTH', DEFAULT_JSON_LIMITS.maxStringLength),
    headersTimeoutMs: int('HEADERS_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.headersTimeoutMs),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.requestTimeoutMs),
    keepAliveTimeoutMs: int('KEEP_ALIVE_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs),
    maxRequestsPerSocket: int('MAX_REQUESTS_PER_SOCKET', DEFAULT_HTTP_LIMITS.maxRequestsPerSocket),
    maxConnections: int('MAX_CONNECTIONS', DEFAULT_HTTP_LIMITS.maxConnections),
    maxHeaderBytes: int('MAX_HEADER_BYTES', DEFAULT_HTTP_LIMITS.maxHeaderBytes),
    maxEventLoopDelayMs: int('MAX_EVENT_LOOP_DELAY_MS', DEFAULT_HTTP_LIMITS.maxEventLoopDelayMs),
    rejectsPerRequest: int('REJECTS_PER_REQUEST', DEFAULT_REJECT_LIMITS.perRequest),
    rejectsPerSource: int('REJECTS_PER_SOURCE', DEFAULT_REJECT_LIMITS.perSource),
    rejectResourceChars: int('REJECT_RESOURCE_CHARS', DEFAULT_REJECT_LIMITS.resourceChars),
    tokensJson: s('BITEBRIDGE_TOKENS'),
    tokensFile: s('BITEBRIDGE_TOKENS_FILE'),
    localTokenFile: s('LOCAL_TOKEN_FILE') ?? 'var/local-token.json',
    logLevel: s('LOG_LEVEL') ?? 'info',
    keepCompletedSeconds: int('JOB_KEEP_COMPLETED_SECONDS', 24 * 3600),
    keepFailedSeconds: int('JOB_KEEP_FAILED_SECONDS', 14 * 24 * 3600),
    jobAttempts: int('JOB_ATTEMPTS', 5),
    lockDurationMs: int('JOB_LOCK_MS', 10_000),
    stalledIntervalMs: int('JOB_STALLED_CHECK_MS', 3000),
    workerConcurrency: int('WORKER_CONCURRENCY', 8),
    ingestConcurrency: Math.max(1, int('INGEST_CONCURRENCY', 4)),
    syncWaitMs: int('SYNC_WAIT_MS', 20_000),
    sweepIntervalMs: int('SWEEP_INTERVAL_MS', 5000),
    pendingAlertSeconds: positiveInt('PENDING_ALERT_SECONDS', DEFAULT_PENDING_ALERT_SECONDS),
    ingestMemoryHighWater: fraction('INGEST_MEMORY_HIGH_WATER', 0.8),
    workerProcesses: int('WORKER_PROCESSES', availableParallelism()),
    workerNice: niceSteps(int('WORKER_NICE', 10)),
    workerMaxOldSpaceMb: int('WORKER_MAX_OLD_SPACE_MB', 0),
    payloadBudgetBytes: int('PAYLOAD_BUDGET_BYTES', 16 * 1024 * 1024),
    payloadBudgetWaitMs: int('PAYLOAD_BUDGET_WAIT_MS', 2000),
    ingestTurnMs: int('INGEST_TURN_MS', 50),
    warmUpRounds: int('WARM_UP_ROUNDS', 3),
    validateThreads: Math.max(1, int('VALIDATE_THREADS', 1)),
    validateIdleMs: int('VALIDATE_IDLE_MS', 30_000),
    validateMaxQueue: int('VALIDATE_MAX_QUEUE', 16),
    uiPagesMaxQueue: int('UI_PAGES_MAX_QUEUE', 8),
    exportDir: s('EXPORT_DIR') ?? 'var/exports',
    exportTtlSeconds: int('EXPORT_TTL_SECONDS', 3600),
    publicBaseUrl: s('PUBLIC_BASE_URL'),
    metricsPort: s('METRICS_PORT') === undefined ? undefined : int('METRICS_PORT', 0),
    metricsHost: s('METRICS_HOST') ?? '127.0.0.1',
    metricsToken: s('METRICS_TOKEN'),
    deliveryAllowedHosts: s('DELIVERY_ALLOWED_HOSTS'),
    deliveryDestinationsJson: s('DELIVERY_DESTINATIONS'),
    deliveryDestinationsFile: s('DELIVERY_DESTINATIONS_FILE'),
    smartClientsJson: s('SMART_CLIENTS'),
    smartClientsFile: s('SMART_CLIENTS_FILE'),
    smartTokenTtlSeconds: int('SMART_TOKEN_TTL_SECONDS', 300),
    exportMinPollMs: int('EXPORT_MIN_POLL_MS', 1000),
    uiSessionSecret: s('UI_SESSION_SECRET'),
  };
}
