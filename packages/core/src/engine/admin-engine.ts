import type { QueueInfo, QueueOptions } from './queue-config.js';
import type { SubscriptionInfo, SubscriptionOptions, TopicInfo } from './topic-config.js';

/**
 * Creating, changing and removing queues, topics and subscriptions. Options arrive validated
 * and complete (defaults filled in) from the `Broker` facade.
 */
export interface AdminEngine {
  /**
   * Creates a queue. Creating one that exists with the same settings returns it unchanged;
   * with other settings it throws QueueAlreadyExistsError. A dead-letter queue must exist and be
   * of the same kind (FIFO or standard).
   */
  createQueue(name: string, options: Required<QueueOptions>): Promise<QueueInfo>;
  /** Changes settings other than `fifo`. */
  updateQueue(name: string, changes: QueueOptions): Promise<QueueInfo>;
  /**
   * Deletes a queue, its messages and its subscriptions. Returns false when it did not exist.
   * Throws QueueInUseError while it is another queue's dead-letter queue.
   */
  deleteQueue(name: string): Promise<boolean>;
  /** Throws QueueNotFoundError. */
  getQueue(name: string): Promise<QueueInfo>;
  listQueues(prefix?: string): Promise<QueueInfo[]>;
  /** Queues whose dead-letter queue is `name`. */
  listDeadLetterSources(name: string): Promise<string[]>;

  /** Creates a topic; creating one that exists returns it. */
  createTopic(name: string): Promise<TopicInfo>;
  deleteTopic(name: string): Promise<boolean>;
  listTopics(prefix?: string): Promise<TopicInfo[]>;
  /**
   * Subscribes a queue to a topic. The topic and queue must exist; the filter arrives validated.
   * Subscribing the same queue again replaces its filter and keeps its id.
   */
  subscribe(topic: string, options: SubscriptionOptions): Promise<SubscriptionInfo>;
  /** Returns false when there was no such subscription. */
  unsubscribe(topic: string, subscriptionId: string): Promise<boolean>;
  listSubscriptions(topic: string): Promise<SubscriptionInfo[]>;
}
