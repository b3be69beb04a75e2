/**
 * FHIR R4 Subscriptions, rest-hook only (scope `read`: a subscriber receives what it could read).
 * `POST /fhir/Subscription` stores it as `requested` and queues the handshake; the handshake makes
 * it `active` or `error` (with the reason). `GET` (one or all of the caller's), `DELETE`.
 * The endpoint's host must be in DELIVERY_ALLOWED_HOSTS.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Subscription } from '@medplum/fhirtypes';
import { assertAllowedUrl, DestinationError } from '../../deliver/destinations';
import { parseCriteria } from '../../deliver/subscription-criteria';
import { FhirError, issue } from '../../fhir/outcome';
import { SUBSCRIPTION_NOT_INGESTED } from '../../ingest/entries';
import type { Queues } from '../../queue/queues';
import type { SubscriptionStore } from '../../store/subscriptions';
import { requireScope, sourceOf } from '../auth';
import { baseUrl } from '../base-url';
import { FHIR_JSON, sendOutcome } from '../fhir-json';
import { addResourceCapability, type Capabilities } from './metadata';

const HEADER = /^[A-Za-z0-9-]{1,64}:[ \t]?[^\r\n]{0,1000}$/;
const FORBIDDEN_HEADERS = ['host', 'content-length', 'content-type', 'transfer-encoding', 'connection'];
const PAYLOADS = ['application/fhir+json', 'application/json'];

function validated(body: unknown, source: string, allowed: Set<string>): Subscription {
  const s = body as Subscription | undefined;
  const bad = (msg: string, expr: string) => new FhirError(400, issue('invalid', msg, expr));
  if (!s || s.resourceType !== 'Subscription') throw bad('Expected a Subscription', 'Subscription');
  if (!s.channel || s.channel.type !== 'rest-hook')
    throw bad('Only channel.type rest-hook is supported', 'Subscription.channel.type');
  if (typeof s.channel.endpoint !== 'string')
    throw bad('channel.endpoint is required', 'Subscription.channel.endpoint');
  try {
    assertAllowedUrl(s.channel.endpoint, allowed, 'channel.endpoint');
  } catch (err) {
    if (err instanceof DestinationError) throw bad(err.message, 'Subscription.channel.endpoint');
    throw err;
  }
  if (s.channel.payload !== undefined && !PAYLOADS.includes(s.channel.payload))
    throw bad(
      `channel.payload must be absent or one of ${PAYLOADS.join(', ')}`,
      'Subscription.channel.payload',
    );
  const headers = s.channel.header ?? [];
  if (!Array.isArray(headers) || headers.length > 20)
    throw bad('channel.header: at most 20', 'Subscription.channel.header');
  headers.forEach((h, i) => {
    if (typeof h !== 'string' || !HEADER.test(h) || FORBIDDEN_HEADERS.includes(h.split(':')[0].toLowerCase()))
      throw bad(
        'channel.header entries must be "Name: value" (not Host, Content-*)',
        `Subscription.channel.header[${i}]`,
      );
  });
  const c = parseCriteria(s.criteria, source);
  if ('error' in c) throw bad(c.error, 'Subscription.criteria');
  const { meta: _meta, error: _error, ...rest } = s;
  return { ...rest, id: `${source}.sub-${randomUUID()}`, criteria: c.criteria, status: 'requested' };
}

export async function subscriptionRoutes(
  app: FastifyInstance,
  deps: { subscriptions: SubscriptionStore; queues: Queues; allowedHosts: Set<string>; caps: Capabilities },
): Promise<void> {
  const auth = { onRequest: requireScope('read') };
  addResourceCapability(deps.caps, 'Subscription', {
    interaction: [{ code: 'create' }, { code: 'read' }, { code: 'delete' }, { code: 'search-type' }],
    documentation:
      'rest-hook only; criteria on MedicationStatement or DetectedIssue; endpoint hosts are allow-listed',
  });
  const owned = async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const rec = await deps.subscriptions.get(req.params.id);
    if (!rec || rec.source !== sourceOf(req))
      throw new FhirError(404, issue('not-found', `Subscription/${req.params.id} is not known`));
    return rec;
  };

  app.post('/fhir/Subscription', auth, async (req, reply) => {
    const source = sourceOf(req);
    const resource = validated(req.body, source, deps.allowedHosts);
    await deps.subscriptions.put({ source, resource });
    await deps.queues
      .get('deliver')
      .add('handshake', { subscription: resource.id }, { jobId: `handshake~${resource.id}` });
    return reply
      .code(201)
      .header('Location', `${baseUrl(req)}/fhir/Subscription/${resource.id}`)
      .type(FHIR_JSON)
      .send(resource);
  });
  app.get<{ Params: { id: string } }>('/fhir/Subscription/:id', auth, async (req, reply) =>
    reply.type(FHIR_JSON).send((await owned(req)).resource),
  );
  app.get('/fhir/Subscription', auth, async (req, reply) => {
    const mine = (await deps.subscriptions.all()).filter((r) => r.source === sourceOf(req));
    return reply.type(FHIR_JSON).send({
      resourceType: 'Bundle',
      type: 'searchset',
      total: mine.length,
      entry: mine.map((r) => ({
        fullUrl: `${baseUrl(req)}/fhir/Subscription/${r.resource.id}`,
        resource: r.resource,
        search: { mode: 'match' },
      })),
    });
  });
  app.delete<{ Params: { id: string } }>('/fhir/Subscription/:id', auth, async (req, reply) => {
    await owned(req);
    await deps.subscriptions.remove(req.params.id);
    return reply.code(204).send();
  });
  // Without this route the generic PUT /fhir/:type/:id would store a Subscription as sender data and
  // answer 201 for a subscription that never notifies.
  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: '/fhir/Subscription/:id',
      onRequest: requireScope('read'),
      handler: async (_req, reply) => {
        reply.header('Allow', 'GET, DELETE');
        return sendOutcome(
          reply,
          new FhirError(405, issue('not-supported', SUBSCRIPTION_NOT_INGESTED, 'Subscription')),
        );
      },
    });
  }
}
