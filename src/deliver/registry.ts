/**
 * The destinations in force: those from configuration (fixed, cannot be changed through the API)
 * and those created through the API (kept in Redis, so every process sees them).
 */
import type { DeliveryStore } from '../store/deliveries';
import { DestinationError, parseDestination, parseDestinations, type Destination } from './destinations';

export class DestinationRegistry {
  private readonly configured: Map<string, Destination>;

  constructor(
    private readonly store: DeliveryStore,
    configured: Destination[],
    readonly allowedHosts: Set<string>,
  ) {
    this.configured = new Map(configured.map((d) => [d.id, d]));
  }

  isConfigured(id: string): boolean {
    return this.configured.has(id);
  }

  async all(): Promise<Destination[]> {
    const stored = await this.store.listStoredDestinations();
    const out = [...this.configured.values()];
    for (const json of stored) {
      try {
        const d = parseDestination(JSON.parse(json), this.allowedHosts);
        if (!this.configured.has(d.id)) out.push(d);
      } catch {
        // A stored destination that no longer passes (e.g. its host was removed from the allow
        // list) is not used: the allow list wins over what was stored earlier.
      }
    }
    return out;
  }

  async get(id: string): Promise<Destination | undefined> {
    return (await this.all()).find((d) => d.id === id);
  }

  /** Creates or replaces an API destination for `source`; configured ids are read-only. */
  async put(raw: unknown, source: string): Promise<Destination> {
    const d = parseDestination(raw, this.allowedHosts, source);
    if (this.configured.has(d.id))
      throw new DestinationError(`destination ${d.id} is fixed by configuration`);
    const existing = (await this.all()).find((x) => x.id === d.id);
    if (existing && existing.source !== source)
      throw new DestinationError(`destination ${d.id} belongs to another source`);
    await this.store.putDestination(d.id, JSON.stringify(d));
    return d;
  }

  async remove(id: string, source: string): Promise<boolean> {
    const d = await this.get(id);
    if (!d || d.source !== source || this.configured.has(id)) return false;
    return this.store.deleteDestination(id);
  }
}

export function loadConfiguredDestinations(
  env: { json?: string; file?: string; readFile: (f: string) => string },
  allowed: Set<string>,
): Destination[] {
  if (env.json) return parseDestinations(env.json, allowed, 'DELIVERY_DESTINATIONS');
  if (env.file) return parseDestinations(env.file ? env.readFile(env.file) : '[]', allowed, env.file);
  return [];
}
