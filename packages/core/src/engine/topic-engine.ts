import type { EnqueueEntry } from './queue-engine.js';

export interface PublishResult {
  id: string;
  /** Queues the message was stored in (subscriptions whose filter matched, less FIFO duplicates). */
  deliveredTo: number;
}

export interface TopicEngine {
  /**
   * Publishes a batch: each message is stored in every subscribed queue whose filter matches its
   * headers, in the same atomic step as the publish itself. When the promise resolves, every copy
   * is durable; when it rejects, none is. A message that matches no subscription is dropped.
   */
  publish(topic: string, entries: readonly EnqueueEntry[]): Promise<PublishResult[]>;
}
