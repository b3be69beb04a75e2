/**
 * Subscription (rest-hook) jobs on the `deliver` queue, with the same retries and dead letter as
 * pushes. `handshake`: an empty POST to the endpoint; a 2xx makes the subscription `active`, the
 * last failed attempt makes it `error` with the reason. `notify`: one output version to one
 * subscription, with the channel's headers and payload (none, id-only, full resource).
 */
import type { Job } from 'bullmq';
import type { Bundle, Resource, Subscription } from '@medplum/fhirtypes';
import type { Logger } from '../logger';
import type { Store } from '../store/store';
import type { SubscriptionStore } from '../store/subscriptions';
import { assertAllowedUrl } from './destinations';

export interface HandshakeJob {
  subscription: string;
}
export interface NotifyJob {
  subscription: string;
  patient: string;
  key: string;
  versionId: string;
}

export interface NotifyDeps {
  store: Store;
  subscriptions: SubscriptionStore;
  allowedHosts: Set<string>;
  publicBase: string;
  log: Logger;
  attempts: number;
  fetchFn?: typeof fetch;
  timeoutMs?: number;
}

export const PAYLOAD_CONTENT_EXTENSION =
  'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content';
export type PayloadContent = 'empty' | 'id-only' | 'full-resource';

/** R4: no `channel.payload` → no body; with it, full resource unless the backport extension says id-only. */
export function payloadContent(s: Subscription): PayloadContent {
  if (!s.channel.payload) return 'empty';
  const ext = (s.channel as { _payload?: { extension?: Array<{ url: string; valueCode?: string }> } })
    ._payload?.extension;
  const code = ext?.find((e) => e.url === PAYLOAD_CONTENT_EXTENSION)?.valueCode;
  return code === 'id-only' ? 'id-only' : 'full-resource';
}

/** `Name: value` channel headers → a header map (malformed ones were refused at creation). */
export function channelHeaders(s: Subscription): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of s.channel.header ?? []) {
    const i = h.indexOf(':');
    out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return out;
}

async function post(deps: NotifyDeps, s: Subscription, body?: Bundle): Promise<void> {
  const url = assertAllowedUrl(s.channel.endpoint!, deps.allowedHosts, 'channel.endpoint').toString();
  let res: Response;
  try {
    res = await (deps.fetchFn ?? fetch)(url, {
      method: 'POST',
      headers: {
        ...channelHeaders(s),
        ...(body ? { 'content-type': s.channel.payload ?? 'application/fhir+json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(deps.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new Error(`endpoint unreachable: ${(err as Error).name}`);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`endpoint answered HTTP ${res.status}`);
}

export async function processHandshake(job: Job<HandshakeJob>, deps: NotifyDeps): Promise<string> {
  const rec = await deps.subscriptions.get(job.data.subscription);
  if (!rec || rec.resource.status === 'off') return 'gone';
  try {
    await post(deps, rec.resource);
  } catch (err) {
    if (job.attemptsMade + 1 >= deps.attempts) {
      await deps.subscriptions.setStatus(
        rec.resource.id!,
        'error',
        `Handshake failed: ${(err as Error).message}`,
      );
      return 'error';
    }
    throw err;
  }
  await deps.subscriptions.setStatus(rec.resource.id!, 'active');
  deps.log.info({ subscription: rec.resource.id }, 'subscription active');
  return 'active';
}

async function versionOf(
  store: Store,
  patient: string,
  key: string,
  versionId: string,
): Promise<Resource | undefined> {
  const cur = (await store.currentOutputs(patient)).get(key);
  if (cur?.versionId === versionId) return cur.resource;
  return (await store.outputHistory(key, patient)).find((r) => r.meta?.versionId === versionId);
}

export async function processNotify(job: Job<NotifyJob>, deps: NotifyDeps): Promise<string> {
  const rec = await deps.subscriptions.get(job.data.subscription);
  if (!rec || rec.resource.status !== 'active') return 'skipped';
  const content = payloadContent(rec.resource);
  let body: Bundle | undefined;
  if (content !== 'empty') {
    const fullUrl = `${deps.publicBase}/fhir/${job.data.key}/_history/${job.data.versionId}`;
    const resource =
      content === 'full-resource'
        ? await versionOf(deps.store, job.data.patient, job.data.key, job.data.versionId)
        : undefined;
    if (content === 'full-resource' && !resource) return 'version gone';
    body = {
      resourceType: 'Bundle',
      type: 'history',
      entry: [{ fullUrl, ...(resource ? { resource } : {}) }],
    };
  }
  await post(deps, rec.resource, body);
  deps.log.info({ subscription: rec.resource.id, jobId: job.id }, 'notified');
  return 'sent';
}
