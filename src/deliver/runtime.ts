/** The delivery pieces of one process, built once per runtime from its configuration. */
import { readFileSync } from 'node:fs';
import type { Runtime } from '../runtime';
import { DeliveryStore } from '../store/deliveries';
import { SubscriptionStore } from '../store/subscriptions';
import { parseAllowedHosts } from './destinations';
import { DestinationRegistry, loadConfiguredDestinations } from './registry';

export interface Delivery {
  deliveries: DeliveryStore;
  destinations: DestinationRegistry;
  subscriptions: SubscriptionStore;
}

/** What delivery needs of a runtime: its configuration and a Redis connection (the CLI has no more). */
export type DeliveryHost = Pick<Runtime, 'cfg' | 'conn'>;

const byRuntime = new WeakMap<DeliveryHost, Delivery>();

export function deliveryOf(rt: DeliveryHost): Delivery {
  let d = byRuntime.get(rt);
  if (!d) {
    const allowed = parseAllowedHosts(rt.cfg.deliveryAllowedHosts);
    const deliveries = new DeliveryStore(rt.conn, rt.cfg.keyPrefix);
    const configured = loadConfiguredDestinations(
      {
        json: rt.cfg.deliveryDestinationsJson,
        file: rt.cfg.deliveryDestinationsFile,
        readFile: (f) => readFileSync(f, 'utf8'),
      },
      allowed,
    );
    d = {
      deliveries,
      destinations: new DestinationRegistry(deliveries, configured, allowed),
      subscriptions: new SubscriptionStore(rt.conn, rt.cfg.keyPrefix),
    };
    byRuntime.set(rt, d);
  }
  return d;
}
