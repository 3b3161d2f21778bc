import { TopicNotFoundError, compileFilterPolicy, type EnqueueEntry, type PublishResult, type TopicEngine } from '@switchyard/core';
import { toAmqp } from './codec.js';
import { checkOpen, type Context } from './context.js';

/**
 * A topic is a headers exchange. Subscriptions whose filter bindings can express are bound to it,
 * so one confirmed publish stores every such copy (the confirm comes once every routed quorum
 * queue has it); for the others the engine matches the filter and publishes the copy to the
 * queue itself, which is a separate publish and so not atomic with the first.
 */
export class RabbitTopics implements TopicEngine {
  constructor(private readonly ctx: Context) {}

  async publish(topic: string, entries: readonly EnqueueEntry[]): Promise<PublishResult[]> {
    checkOpen(this.ctx);
    const stored = await this.ctx.meta.topic(topic);
    if (!stored) throw new TopicNotFoundError(topic);
    const subs = stored.subscriptions.map((s) => ({ ...s, match: s.filter ? compileFilterPolicy(s.filter) : () => true }));
    const sends: Promise<void>[] = [];
    const results = entries.map((e) => {
      const matched = subs.filter((s) => s.match(e.headers));
      const { content, options } = toAmqp(e);
      if (matched.some((s) => s.native)) sends.push(this.ctx.conn.publish(this.ctx.names.exchange(topic), '', content, options));
      for (const s of matched) if (!s.native) sends.push(this.ctx.conn.publish('', this.ctx.names.queue(s.queue), content, { ...options, mandatory: true }));
      return { id: e.id, deliveredTo: matched.length };
    });
    await Promise.all(sends);
    return results;
  }
}
