import { ErrorCode, isSwitchyardError, type FilterPolicy, type QueueOptions } from '@switchyard/core';
import { Consumer } from './consumer.js';
import { resolveConsumerOptions, type ConsumerOptions } from './consumer-options.js';

export interface SubscribeOptions extends Omit<ConsumerOptions, 'queue'> {
  topic: string;
  /** The subscription's own queue (one per subscribing service); created when missing. */
  queue: string;
  /** Settings for the queue when it is created (a dead-letter queue, a visibility timeout…). */
  queueOptions?: QueueOptions;
  /** Header filter of the subscription; absent: every message. */
  filter?: FilterPolicy | null;
}

/**
 * Publish/subscribe over topics: makes sure the topic and the subscription's queue exist, that
 * the queue is subscribed with `filter` (re-subscribing replaces the filter), and starts a
 * consumer on it. Each subscribing service names its own queue, so each gets every matching
 * message once, and competing instances of one service share the work.
 *
 *   await using sub = await subscribe({ broker, topic: 'orders', queue: 'billing-orders', handler })
 *   await broker.topic('orders').publish(catalog.message('order.created', body))
 */
export async function subscribe(options: SubscribeOptions): Promise<Consumer> {
  const { topic, queueOptions, filter, ...consumerOptions } = options;
  // Validate everything before the first write.
  resolveConsumerOptions({ ...consumerOptions, queue: options.queue });
  const { broker } = options;
  await broker.createTopic(topic);
  try {
    await broker.createQueue(options.queue, queueOptions ?? {});
  } catch (err) {
    // A queue that exists with other settings is fine unless the caller asked for settings.
    if (!isSwitchyardError(err, ErrorCode.QueueAlreadyExists) || queueOptions !== undefined) throw err;
  }
  await broker.topic(topic).subscribe(options.queue, { filter: filter ?? null });
  return new Consumer({ ...consumerOptions, queue: options.queue });
}
