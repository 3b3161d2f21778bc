import type { MemoryRegistry } from '@switchyard/discovery/registry';
import { Gauge, type Registry as MetricsRegistry } from 'prom-client';

const name = 'switchyard_registry_instances';

/**
 * `switchyard_registry_instances{service, health}`, read from the registry when Prometheus
 * scrapes. Registered once per metrics registry (an app built twice on one keeps the first).
 */
export function registryMetrics(metrics: MetricsRegistry, registry: MemoryRegistry): void {
  if (metrics.getSingleMetric(name)) return;
  new Gauge({
    name,
    help: 'Registered service instances by health.',
    labelNames: ['service', 'health'],
    registers: [metrics],
    async collect() {
      this.reset();
      for (const service of await registry.services()) {
        const counts = new Map<string, number>();
        for (const i of (await registry.get(service)).instances) counts.set(i.health, (counts.get(i.health) ?? 0) + 1);
        for (const [health, n] of counts) this.set({ service, health }, n);
      }
    },
  });
}
