/**
 * The HTTP API: fastify with the FHIR wire plugin, auth, and route plugins. Built from explicit
 * dependencies so tests can build it against a real Redis on their own key prefix.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger';
import type { TokenRegistry } from '../auth/tokens';
import type { Metrics } from '../ops/metrics';
import type { Queues } from '../queue/queues';
import type { QueueEvents } from 'bullmq';
import type { PayloadLog } from '../store/payloads';
import { DeadLetters } from '../store/dead-letters';
import { IngestHealth } from '../ops/ingest-health';
import type { Store } from '../store/store';
import { authPlugin } from './auth';
import { setPublicBaseUrl } from './base-url';
import { bodyBudgetPlugin } from './body-budget';
import { fhirJsonPlugin } from './fhir-json';
import {
  accessLog,
  boundConnections,
  DEFAULT_HTTP_LIMITS,
  registerBackPressure,
  serverOptions,
  type HttpLimits,
} from './edge';
import type { JsonLimits } from '../ingest/json-limits';
import type { RejectLog } from '../store/reject-log';
import { adminRoutes } from './routes/admin';
import { adminIngestRoutes } from './routes/admin-ingest';
import { asyncStatusRoutes } from './routes/async-status';
import type { StorageGuard } from '../ops/storage-guard';
import { ingestRoutes } from './routes/ingest';
import { addResourceCapability, metadataRoutes, newCapabilities, type Capabilities } from './routes/metadata';
import { opsRoutes } from './routes/ops';
import { notAllowedRoutes } from './routes/not-allowed';
import { validateRoutes } from './routes/validate';
import { INGEST_CAPABILITY } from './routes/ingest-capability';
import { loadFhirDefinitions } from '../validation/fhir-definitions';
import { validationPool as startValidationPool } from '../validation/validation-pool';
import { renderPool } from '../ui/render-pool';
import type { ThreadPoolOptions } from '../thread-pool';
import { readRoutes } from './routes/read';
import { storedResourceTypes } from '../search/resource-types';
import { searchRoutes } from './routes/search';
import { exportRoutes } from './routes/export';
import { registryExportRoutes } from './routes/registry-export';
import type { SmartTokens } from '../auth/smart-token';
import { smartRoutes } from './routes/smart';
import { subscriptionRoutes } from './routes/subscription';
import type { SubscriptionStore } from '../store/subscriptions';
import type { DestinationRegistry } from '../deliver/registry';
import { destinationRoutes } from './routes/destinations';
import { uiRoutes } from '../ui/routes';
import { Sessions } from '../ui/session';

export interface ApiDeps {
  log: Logger;
  tokens: TokenRegistry;
  /** Registry destinations (push), managed under /admin/destinations. */
  destinations?: DestinationRegistry;
  /** Subscriptions (rest-hook) and the hosts their endpoints may be on. */
  subscriptions?: { store: SubscriptionStore; allowedHosts: Set<string> };
  /** Bulk status polls sooner than this after the previous one get 429 (0: no limit). */
  exportMinPollMs?: number;
  /** SMART Backend Services access tokens (issued by POST /auth/token). */
  smart?: SmartTokens;
  store: Store;
  /** The store's Redis URL: the UI pages thread opens its own connection to it. */
  redisUrl: string;
  queues: Queues;
  payloads: PayloadLog;
  /** Dead letters (admin ingest page); defaults to the ones on the store's Redis. */
  deadLetters?: DeadLetters;
  /** A payload pending longer than this raises the `pending-stale` alert (PENDING_ALERT_SECONDS). */
  pendingAlertSeconds?: number;
  /** Redis memory against its maxmemory: ingest answers 503 at the high-water mark. */
  storage?: StorageGuard;
  /** Completion events of the ingest queue, for synchronous ingest answers. */
  ingestEvents?: QueueEvents;
  syncWaitMs: number;
  metrics: Metrics;
  /** The `$validate` worker-thread pool (defaults: 1 thread, 30 s idle exit, 16 queued). */
  validation?: Partial<ThreadPoolOptions>;
  /** The UI pages' worker-thread pool (defaults: 1 thread, 30 s idle exit, 8 queued). */
  uiPages?: Partial<ThreadPoolOptions>;
  bodyLimit: number;
  /** Request bodies held at once and how long one waits for room (body-budget.ts); absent: no bound. */
  bodyBudget?: { bytes: number; waitMs: number };
  depthLimit: number;
  /** Entries, array and string bounds (defaults in json-limits.ts). */
  jsonLimits?: Partial<Omit<JsonLimits, 'maxDepth'>>;
  /** Timeouts and connection bounds against slow clients (defaults in edge.ts). */
  httpLimits?: Partial<HttpLimits>;
  /** Where invalid resources are recorded; defaults to one on the store's Redis with default caps. */
  rejects?: RejectLog;
  version: string;
  /** Base of the links handed out; defaults to the request's scheme and host. */
  publicBaseUrl?: string;
  isClosing?: () => boolean;
  /** false when /metrics has its own listener (METRICS_PORT). */
  serveMetrics?: boolean;
  metricsToken?: string;
  /** HMAC key of the pages' session cookies (UI_SESSION_SECRET); random per process when unset. */
  uiSessionSecret?: string;
  /** Extra route plugins (read/search, export, $validate) registered with the same deps. */
  extraRoutes?: Array<(app: FastifyInstance, caps: Capabilities) => Promise<void>>;
}

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  // Only the limits themselves are read (the runtime hands over its whole config, which extends HttpLimits).
  const given: Partial<HttpLimits> = deps.httpLimits ?? {};
  const httpLimits = Object.fromEntries(
    Object.entries(DEFAULT_HTTP_LIMITS).map(([k, d]) => [k, given[k as keyof HttpLimits] ?? d]),
  ) as unknown as HttpLimits;
  const app: FastifyInstance = Fastify({
    ...serverOptions(httpLimits, deps.log),
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    requestIdHeader: 'x-request-id',
  });
  setPublicBaseUrl(app, deps.publicBaseUrl);
  const caps = newCapabilities();
  boundConnections(app, httpLimits);
  accessLog(app);
  await app.register(fhirJsonPlugin, {
    bodyLimit: deps.bodyLimit,
    depthLimit: deps.depthLimit,
    limits: deps.jsonLimits,
  });
  await registerBackPressure(app, httpLimits);
  if (deps.bodyBudget)
    await app.register(bodyBudgetPlugin, {
      ...deps.bodyBudget,
      bodyLimit: deps.bodyLimit,
      metrics: deps.metrics,
    });
  const sessions = new Sessions({ secret: deps.uiSessionSecret });
  await app.register(authPlugin, { tokens: deps.tokens, smart: deps.smart, sessions });
  if (deps.smart) await app.register(smartRoutes, { smart: deps.smart });

  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (req.grant) {
      const statusClass = `${Math.floor(reply.statusCode / 100)}xx`;
      deps.metrics.httpRequests.inc({ source: req.grant.source, status_class: statusClass });
    }
  });

  const health = new IngestHealth(
    deps.store.redis,
    deps.store.keys,
    deps.queues,
    deps.pendingAlertSeconds,
    deps.storage,
  );
  await app.register(opsRoutes, {
    redis: deps.store.redis,
    queues: deps.queues,
    metrics: deps.metrics,
    isClosing: deps.isClosing ?? (() => false),
    serveMetrics: deps.serveMetrics,
    metricsToken: deps.metricsToken,
    ingest: health,
  });
  await app.register(ingestRoutes, deps);
  await app.register(asyncStatusRoutes, deps);
  await app.register(adminRoutes, deps);
  await app.register(adminIngestRoutes, {
    health,
    deadLetters: deps.deadLetters ?? new DeadLetters(deps.store.redis, deps.store.keys),
  });
  caps.systemInteractions.add('transaction').add('batch');
  for (const type of storedResourceTypes()) {
    addResourceCapability(caps, type, INGEST_CAPABILITY);
  }
  const validationPool = startValidationPool({
    threads: 1,
    idleMs: 30_000,
    maxQueue: 16,
    ...deps.validation,
  });
  app.addHook('onClose', () => validationPool.close());
  app.decorate('validationPool', validationPool);
  await validateRoutes(loadFhirDefinitions(), validationPool)(app, caps);
  await app.register(readRoutes, { store: deps.store, caps });
  await app.register(searchRoutes, { store: deps.store, caps });
  await app.register(exportRoutes, {
    store: deps.store,
    queues: deps.queues,
    caps,
    minPollMs: deps.exportMinPollMs ?? 0,
  });
  await app.register(registryExportRoutes, { store: deps.store, caps });
  if (deps.destinations)
    await app.register(destinationRoutes, { destinations: deps.destinations, queues: deps.queues });
  if (deps.subscriptions)
    await app.register(subscriptionRoutes, {
      subscriptions: deps.subscriptions.store,
      allowedHosts: deps.subscriptions.allowedHosts,
      queues: deps.queues,
      caps,
    });
  const pages = renderPool({ threads: 1, idleMs: 30_000, maxQueue: 8, ...deps.uiPages });
  app.addHook('onClose', () => pages.close());
  app.decorate('uiRenderPool', pages);
  await app.register(uiRoutes, {
    prefix: '/ui',
    pages,
    pagesRedis: { url: deps.redisUrl, prefix: deps.store.prefix },
    store: deps.store,
    tokens: deps.tokens,
    sessions,
    publicBaseUrl: deps.publicBaseUrl,
  });
  for (const extra of deps.extraRoutes ?? []) await extra(app, caps);
  await app.register(metadataRoutes, { caps, version: deps.version });
  await app.register(notAllowedRoutes);
  return app;
}
