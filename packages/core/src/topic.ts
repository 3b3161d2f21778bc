import type { Clock } from './clock.js';
import type { Engine } from './engine/engine.js';
import type { SubscriptionInfo } from './engine/topic-config.js';
import type { PublishResult } from './engine/topic-engine.js';
import { compileFilterPolicy, type FilterPolicy } from './filter-policy.js';
import type { Body, OutgoingMessage } from './message.js';
import { prepareEntries, type MessageLimits } from './prepare.js';
import { checkOptions, checkQueueName, checkString, checkTopicName } from './validate.js';

/** A handle on one topic: publish fans out to the subscribed queues whose filter matches. */
export class Topic<B extends Body = Body> {
  readonly name: string;
  readonly #engine: Engine;
  readonly #limits: MessageLimits;
  readonly #clock: Clock;

  constructor(engine: Engine, name: string, limits: MessageLimits, clock: Clock) {
    this.name = checkTopicName(name);
    this.#engine = engine;
    this.#limits = limits;
    this.#clock = clock;
  }

  async publish(message: OutgoingMessage<B>): Promise<PublishResult> {
    const [result] = await this.publishBatch([message]);
    return result as PublishResult;
  }

  async publishBatch(messages: readonly OutgoingMessage<B>[]): Promise<PublishResult[]> {
    return this.#engine.topics.publish(this.name, prepareEntries(messages, this.#limits, this.#clock));
  }

  /**
   * Subscribes a queue (its name, or a handle from `createQueue`/`queue`), optionally filtered on
   * headers. Subscribing the same queue again replaces the filter.
   */
  async subscribe(queue: string | { readonly name: string }, options: { filter?: FilterPolicy | null } = {}): Promise<SubscriptionInfo> {
    const name = checkQueueName(typeof queue === 'object' && queue !== null ? queue.name : queue);
    const filter = checkOptions(options).filter ?? null;
    if (filter !== null) compileFilterPolicy(filter);
    return this.#engine.admin.subscribe(this.name, { queue: name, filter });
  }

  async unsubscribe(subscriptionId: string): Promise<boolean> {
    return this.#engine.admin.unsubscribe(this.name, checkString('subscriptionId', subscriptionId, 128));
  }

  async subscriptions(): Promise<SubscriptionInfo[]> {
    return this.#engine.admin.listSubscriptions(this.name);
  }
}
