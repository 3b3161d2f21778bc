import { isSwitchyardError, type Broker, type QueueStats } from '@switchyard/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics (prom-client). Counters and histograms are updated by the routes; queue
 * depths are read from the engine when Prometheus scrapes, so they cost nothing in between.
 */
export interface Metrics {
  registry: Registry;
  sent: Counter<'queue'>;
  received: Counter<'queue'>;
  acked: Counter<'queue'>;
  deadLettered: Counter<'queue'>;
  published: Counter<'topic'>;
  waiting: Gauge;
  /** Registry watch polls currently held (GET /v1/registry/services/{service}?index=…). */
  registryWatches: Gauge;
  requests: Histogram<'route' | 'method' | 'status'>;
  webhookDeliveries: Counter<'topic' | 'outcome'>;
}

export function createMetrics(broker: Broker): Metrics {
  const registry = new Registry();
  const snapshot = queueStatsSnapshot(broker);
  const queueGauge = (name: string, help: string, pick: (s: QueueStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        const stats = await snapshot();
        this.reset();
        for (const [queue, s] of stats) this.set({ queue }, pick(s));
      },
    });
  queueGauge('switchyard_queue_ready_messages', 'Messages deliverable now.', (s) => s.ready);
  queueGauge('switchyard_queue_inflight_messages', 'Messages leased and not yet settled.', (s) => s.leased);
  queueGauge('switchyard_queue_delayed_messages', 'Messages waiting out a delay.', (s) => s.delayed);
  queueGauge('switchyard_queue_oldest_message_age_seconds', 'Age of the oldest message.', (s) => s.oldestAgeMs / 1000);
  queueGauge('switchyard_queue_dead_lettered_total', 'Messages moved to the dead-letter queue, ever.', (s) => s.deadLettered);
  queueGauge('switchyard_queue_expired_total', 'Messages dropped after the retention period, ever.', (s) => s.expired);
  return {
    registry,
    sent: new Counter({ name: 'switchyard_messages_sent_total', help: 'Messages sent through this server.', labelNames: ['queue'], registers: [registry] }),
    received: new Counter({ name: 'switchyard_messages_received_total', help: 'Messages leased through this server.', labelNames: ['queue'], registers: [registry] }),
    acked: new Counter({ name: 'switchyard_messages_acked_total', help: 'Messages acked through this server.', labelNames: ['queue'], registers: [registry] }),
    deadLettered: new Counter({ name: 'switchyard_messages_dead_lettered_total', help: 'Messages dead-lettered explicitly through this server.', labelNames: ['queue'], registers: [registry] }),
    published: new Counter({ name: 'switchyard_messages_published_total', help: 'Messages published to topics through this server.', labelNames: ['topic'], registers: [registry] }),
    waiting: new Gauge({ name: 'switchyard_long_polls_waiting', help: 'Receive and stream read calls currently waiting for messages.', registers: [registry] }),
    registryWatches: new Gauge({ name: 'switchyard_registry_watches_waiting', help: 'Registry watch polls currently waiting for a change.', registers: [registry] }),
    requests: new Histogram({
      name: 'switchyard_http_request_duration_seconds',
      help: 'HTTP request latency by route.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    webhookDeliveries: new Counter({ name: 'switchyard_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome.', labelNames: ['topic', 'outcome'], registers: [registry] }),
  };
}

/**
 * Every queue's stats, read once per scrape: the six queue gauges collect at the same time and
 * share one read while it is under way (a queue's stats count its messages, which on a deep queue
 * takes tens of milliseconds of the engine's time; six reads each would take six times that).
 */
function queueStatsSnapshot(broker: Broker): () => Promise<Map<string, QueueStats>> {
  let pending: Promise<Map<string, QueueStats>> | undefined;
  const read = async () => {
    const stats = new Map<string, QueueStats>();
    for (const q of await broker.listQueues()) {
      try {
        stats.set(q.name, await broker.queue(q.name).stats());
      } catch (err) {
        // Deleted since it was listed: no longer a queue to report.
        if (!isSwitchyardError(err, 'QUEUE_NOT_FOUND')) throw err;
      }
    }
    return stats;
  };
  return () =>
    (pending ??= read().finally(() => {
      pending = undefined;
    }));
}
