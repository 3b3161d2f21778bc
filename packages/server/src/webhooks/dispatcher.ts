import { isSwitchyardError, sleep, type Broker, type Clock, type Delivery } from '@switchyard/core';
import { deliveryToWire } from '../json-api/codec.js';
import type { Metrics } from '../metrics.js';
import { sign } from './signature.js';
import type { Webhook } from './store.js';
import { checkTarget } from './target-policy.js';

export interface DispatchOptions {
  allowPrivate: boolean;
  /** First retry delay; doubles per attempt (full jitter), capped at retryCapMs. */
  retryBaseMs: number;
  retryCapMs: number;
  timeoutMs: number;
  now: () => number;
  /** For waiting before a retry after a failed receive. */
  clock: Clock;
}

/** POSTs a signed JSON document to a webhook URL; resolves with the HTTP status. */
export async function post(webhook: Webhook, type: string, document: object, o: DispatchOptions): Promise<{ status: number; text: string }> {
  const url = await checkTarget(webhook.url, o.allowPrivate);
  const body = JSON.stringify(document);
  const timestamp = o.now();
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    signal: AbortSignal.timeout(o.timeoutMs),
    headers: {
      'content-type': 'application/json',
      'user-agent': 'switchyard-webhooks/1',
      'x-switchyard-message-type': type,
      'x-switchyard-subscription': webhook.id,
      'x-switchyard-timestamp': String(timestamp),
      'x-switchyard-signature': sign(webhook.secret, timestamp, body),
    },
    body,
  });
  return { status: res.status, text: await res.text().catch(() => '') };
}

/**
 * Delivers one webhook's buffered messages until stopped: up to 10 at a time, acked on a 2xx,
 * otherwise released with exponential backoff and full jitter; the queue's dead-letter policy
 * moves a message to the webhook's DLQ after `maxAttempts`, with the last error recorded.
 */
export function runDispatcher(broker: Broker, webhook: Webhook, metrics: Metrics, o: DispatchOptions, signal: AbortSignal): Promise<void> {
  const queue = broker.queue(webhook.queue);
  const deliver = async (m: Delivery) => {
    let error: string;
    try {
      const r = await post(webhook, 'Notification', { type: 'Notification', subscriptionId: webhook.id, topic: webhook.topic, attempt: m.attempt, message: message(m) }, o);
      if (r.status >= 200 && r.status < 300) {
        await queue.ack(m);
        metrics.webhookDeliveries.inc({ topic: webhook.topic, outcome: 'delivered' });
        return;
      }
      error = `HTTP ${r.status} ${r.text.slice(0, 200)}`;
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    const last = m.attempt >= webhook.maxAttempts;
    metrics.webhookDeliveries.inc({ topic: webhook.topic, outcome: last ? 'dead_lettered' : 'failed' });
    const ceiling = Math.min(o.retryCapMs, o.retryBaseMs * 2 ** (m.attempt - 1));
    await queue.nack(m, { delayMs: Math.floor(Math.random() * ceiling), error }).catch(() => undefined);
  };
  return (async () => {
    while (!signal.aborted) {
      let batch: Delivery[];
      try {
        batch = await queue.receive({ max: 10, waitMs: 20_000, signal });
      } catch (err) {
        // Stopped, or the webhook's queue is gone (unsubscribed): this dispatcher is done.
        if (signal.aborted || isSwitchyardError(err, 'ABORTED') || isSwitchyardError(err, 'CLOSED') || isSwitchyardError(err, 'QUEUE_NOT_FOUND')) return;
        // Anything else (the database busy, say) is passing: try again shortly rather than stop
        // delivering until the next restart.
        await sleep(o.clock, 1000, signal).catch(() => undefined);
        continue;
      }
      await Promise.all(batch.map(deliver));
    }
  })();
}

function message(m: Delivery): object {
  const { receipt: _receipt, queue: _queue, attempt: _attempt, enqueuedAt: _enqueuedAt, ...rest } = deliveryToWire(m) as Record<string, unknown>;
  return rest;
}
