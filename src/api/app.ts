/**
 * The HTTP API: fastify with the FHIR wire plugin, auth, and route plugins. Built from explicit
 * dependencies so tests can build it against a real Redis on their own key prefix.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger';
import type { TokenRegistry } from '../auth/tokens';
import type { EntryValidator } from '../ingest/accept';
import type { Metrics } from '../ops/metrics';
import type { Queues } from '../queue/queues';
import type { Store } from '../store/store';
import { authPlugin } from './auth';
import { setPublicBaseUrl } from './base-url';
import { fhirJsonPlugin } from './fhir-json';
import { adminRoutes } from './routes/admin';
import { asyncStatusRoutes } from './routes/async-status';
import { ingestRoutes } from './routes/ingest';
import { addResourceCapability, metadataRoutes, newCapabilities, type Capabilities } from './routes/metadata';
import { opsRoutes } from './routes/ops';
import { validateRoutes } from './routes/validate';
import { loadFhirDefinitions } from '../validation/fhir-definitions';
import { readRoutes } from './routes/read';
import { searchRoutes } from './routes/search';
import { exportRoutes } from './routes/export';
import { registryExportRoutes } from './routes/registry-export';
import { uiRoutes } from '../ui/routes';
import { Sessions } from '../ui/session';

export interface ApiDeps {
  log: Logger;
  tokens: TokenRegistry;
  store: Store;
  queues: Queues;
  metrics: Metrics;
  validate: EntryValidator;
  bodyLimit: number;
  depthLimit: number;
  version: string;
  /** Base of the links handed out; defaults to the request's scheme and host. */
  publicBaseUrl?: string;
  isClosing?: () => boolean;
  /** HMAC key of the pages' session cookies (UI_SESSION_SECRET); random per process when unset. */
  uiSessionSecret?: string;
  /** Extra route plugins (read/search, export, $validate) registered with the same deps. */
  extraRoutes?: Array<(app: FastifyInstance, caps: Capabilities) => Promise<void>>;
}

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    requestIdHeader: 'x-request-id',
  });
  setPublicBaseUrl(app, deps.publicBaseUrl);
  const caps = newCapabilities();
  await app.register(fhirJsonPlugin, { bodyLimit: deps.bodyLimit, depthLimit: deps.depthLimit });
  const sessions = new Sessions({ secret: deps.uiSessionSecret });
  await app.register(authPlugin, { tokens: deps.tokens, sessions });

  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(opsRoutes, {
    redis: deps.store.redis,
    queues: deps.queues,
    metrics: deps.metrics,
    isClosing: deps.isClosing ?? (() => false),
  });
  await app.register(ingestRoutes, deps);
  await app.register(asyncStatusRoutes, deps);
  await app.register(adminRoutes, deps);
  caps.systemInteractions.add('transaction').add('batch');
  for (const type of loadFhirDefinitions()) {
    addResourceCapability(caps, type, {
      interaction: [{ code: 'create' }, { code: 'update' }],
      versioning: 'versioned-update',
    });
  }
  await validateRoutes(loadFhirDefinitions())(app, caps);
  await app.register(readRoutes, { store: deps.store, caps });
  await app.register(searchRoutes, { store: deps.store, caps });
  await app.register(exportRoutes, { store: deps.store, queues: deps.queues, caps });
  await app.register(registryExportRoutes, { store: deps.store, caps });
  await app.register(uiRoutes, {
    prefix: '/ui',
    store: deps.store,
    tokens: deps.tokens,
    sessions,
    publicBaseUrl: deps.publicBaseUrl,
  });
  for (const extra of deps.extraRoutes ?? []) await extra(app, caps);
  await app.register(metadataRoutes, { caps, version: deps.version });
  return app;
}
