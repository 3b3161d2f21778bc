import { systemClock, type Clock } from './clock.js';
import type { Engine } from './engine/engine.js';
import type { Features } from './engine/features.js';
import type { QueueInfo, QueueOptions } from './engine/queue-config.js';
import type { StreamInfo, StreamOptions } from './engine/stream-config.js';
import type { TopicInfo } from './engine/topic-config.js';
import type { Body } from './message.js';
import { resolveMessageLimits, type MessageLimits } from './prepare.js';
import { Queue } from './queue.js';
import { resolveQueueOptions } from './queue-options.js';
import { checkStreamName, resolveStreamOptions } from './streams/options.js';
import { streamsOf } from './streams/prepare.js';
import { Stream } from './streams/stream.js';
import { Topic } from './topic.js';
import { checkPrefix, checkQueueName, checkTopicName } from './validate.js';

export interface BrokerOptions extends Partial<MessageLimits> {
  /** The engine's clock, used for message ids and timestamps. Default: the system clock. */
  clock?: Clock;
}

/**
 * What applications hold: queues and topics over one engine. Works the same on every engine.
 *
 *   await using broker = await openBroker({ path: 'app.db' })
 *   const orders = await broker.createQueue('orders')
 */
export class Broker implements AsyncDisposable {
  readonly engine: Engine;
  readonly limits: MessageLimits;
  readonly clock: Clock;

  constructor(engine: Engine, options: BrokerOptions = {}) {
    this.engine = engine;
    this.limits = resolveMessageLimits(options);
    this.clock = options.clock ?? systemClock;
  }

  get features(): Features {
    return this.engine.features;
  }

  /** Creates a queue (or returns the existing one if its settings are the same). */
  async createQueue<B extends Body = Body>(name: string, options: QueueOptions = {}): Promise<Queue<B>> {
    await this.engine.admin.createQueue(name, resolveQueueOptions(name, options));
    return this.queue<B>(name);
  }

  /** A handle on an existing queue; no I/O until it is used. */
  queue<B extends Body = Body>(name: string): Queue<B> {
    return new Queue<B>(this.engine, name, this.limits, this.clock);
  }

  async deleteQueue(name: string): Promise<boolean> {
    return this.engine.admin.deleteQueue(checkQueueName(name));
  }

  async listQueues(prefix?: string): Promise<QueueInfo[]> {
    return this.engine.admin.listQueues(checkPrefix(prefix));
  }

  async createTopic<B extends Body = Body>(name: string): Promise<Topic<B>> {
    await this.engine.admin.createTopic(checkTopicName(name));
    return this.topic<B>(name);
  }

  topic<B extends Body = Body>(name: string): Topic<B> {
    return new Topic<B>(this.engine, name, this.limits, this.clock);
  }

  async deleteTopic(name: string): Promise<boolean> {
    return this.engine.admin.deleteTopic(checkTopicName(name));
  }

  async listTopics(prefix?: string): Promise<TopicInfo[]> {
    return this.engine.admin.listTopics(checkPrefix(prefix));
  }

  /**
   * Creates a stream (or returns the existing one if its settings are the same). Throws
   * UnsupportedError, with the engine's reason, on an engine without streams.
   */
  async createStream<B extends Body = Body>(name: string, options: StreamOptions = {}): Promise<Stream<B>> {
    await streamsOf(this.engine).createStream(checkStreamName(name), resolveStreamOptions(options));
    return this.stream<B>(name);
  }

  /** A handle on an existing stream; no I/O until it is used. */
  stream<B extends Body = Body>(name: string): Stream<B> {
    return new Stream<B>(this.engine, name, this.limits, this.clock);
  }

  async deleteStream(name: string): Promise<boolean> {
    return streamsOf(this.engine).deleteStream(checkStreamName(name));
  }

  async listStreams(prefix?: string): Promise<StreamInfo[]> {
    return streamsOf(this.engine).listStreams(checkPrefix(prefix));
  }

  async close(): Promise<void> {
    return this.engine.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
