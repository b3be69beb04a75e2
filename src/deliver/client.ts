/**
 * A fhir-kit-client for one destination, with its Authorization header. The target host is checked
 * against the allow list again at send time, so a destination stored before the list changed
 * cannot reach a host that is no longer allowed.
 */
import { assertAllowedUrl, type Destination } from './destinations';
import { loadFhirKit } from './fhir-kit';
import type { RegistryClient } from './push';
import { authorizationFor } from './registry-auth';

export async function registryClient(d: Destination, allowed: Set<string>): Promise<RegistryClient> {
  assertAllowedUrl(d.baseUrl, allowed, `destination ${d.id}`);
  const { Client } = await loadFhirKit();
  const authorization = await authorizationFor(d);
  const client = new Client({
    baseUrl: d.baseUrl,
    customHeaders: authorization ? { Authorization: authorization } : {},
  });
  return {
    transaction: (p) => client.transaction({ body: p.body as never, options: p.options as never }),
  };
}
