/** Delivery metrics per destination, registered once on the process's Prometheus registry. */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface DeliveryMetrics {
  sent: Counter<'destination' | 'resource_type'>;
  failed: Counter<'destination'>;
  lag: Histogram<'destination'>;
}

const byRegistry = new WeakMap<Registry, DeliveryMetrics>();

export function deliveryMetrics(registry: Registry): DeliveryMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = {
      sent: new Counter({
        name: 'bitebridge_delivery_sent_total',
        help: 'Output versions a registry acknowledged, by destination and resource type',
        labelNames: ['destination', 'resource_type'],
        registers: [registry],
      }),
      failed: new Counter({
        name: 'bitebridge_delivery_failed_total',
        help: 'Failed delivery attempts (each is retried; the last one goes to the dead letter)',
        labelNames: ['destination'],
        registers: [registry],
      }),
      lag: new Histogram({
        name: 'bitebridge_delivery_lag_seconds',
        help: 'Seconds from an output version being saved to its acknowledgement by the registry',
        labelNames: ['destination'],
        buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, m);
  }
  return m;
}
