import { TopicNotFoundError, compileFilterPolicy, type EnqueueEntry, type HeaderMatcher, type PublishResult, type TopicEngine } from '@switchyard/core';
import { encodeEnvelope } from './codec.js';
import { checkOpen, type Context } from './context.js';

/**
 * A topic is a name and its subscriptions in the KV bucket; publishing stores a copy on each
 * matching queue's subject. JetStream cannot do this for us: streams may not share subjects (so
 * two queues cannot both capture a topic subject) and header filter policies are not subject
 * filters. Each copy carries the message id as `Nats-Msg-Id`, so a publish retried after a
 * failure part-way stores every copy exactly once; JetStream 2.9 has no transaction spanning
 * several streams, so until then some subscribers may have their copy and others not.
 */
export class NatsTopics implements TopicEngine {
  constructor(private readonly ctx: Context) {}

  async publish(topic: string, entries: readonly EnqueueEntry[]): Promise<PublishResult[]> {
    checkOpen(this.ctx);
    if (!(await this.ctx.meta.topic(topic))) throw new TopicNotFoundError(topic);
    const subs = (await this.ctx.meta.subscriptions(topic)).map((s) => ({ queue: s.queue, match: (s.filter ? compileFilterPolicy(s.filter) : () => true) as HeaderMatcher }));
    const results: PublishResult[] = [];
    const acks: Promise<unknown>[] = [];
    for (const e of entries) {
      const targets = subs.filter((s) => s.match(e.headers));
      const data = encodeEnvelope(e);
      for (const t of targets) acks.push(this.ctx.js.publish(this.ctx.names.subject(t.queue), data, { msgID: e.id }));
      results.push({ id: e.id, deliveredTo: targets.length });
    }
    await Promise.all(acks);
    return results;
  }
}
