import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { Broker, ErrorCode } from '@switchyard/core';
import { caseRunner, expectCode, expectEmpty, expectStats, receiveOne, uniqueName, type ConformanceTarget } from './harness.js';

/** Topics: publish stores a copy in every subscribed queue whose filter matches, atomically. */
export function topicCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  const needs = ['topics'] as const;
  void describe('topics', () => {
    test('publish delivers a copy to every subscribed queue and reports how many', { needs }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const a = await queue({}, 'a');
      const b = await queue({}, 'b');
      const unsubscribed = await queue({}, 'c');
      await topic.subscribe(a.name);
      await topic.subscribe(b.name);
      const result = await topic.publish({ id: 'evt-1', type: 'order.created', body: { n: 1 }, headers: { store: 's1' }, key: 'k' });
      assert.deepEqual(result, { id: 'evt-1', deliveredTo: 2 });
      for (const q of [a, b]) {
        const d = await receiveOne(q);
        assert.equal(d.id, 'evt-1');
        assert.equal(d.type, 'order.created');
        assert.deepEqual(d.body, { n: 1 });
        assert.equal(d.headers.store, 's1');
        assert.equal(d.key, 'k');
        assert.equal(d.queue, q.name);
        assert.equal(d.attempt, 1);
      }
      await expectEmpty(unsubscribed, 'a queue that did not subscribe');
    });

    test('each subscriber acks its own copy independently', { needs }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const a = await queue({}, 'a');
      const b = await queue({}, 'b');
      await topic.subscribe(a.name);
      await topic.subscribe(b.name);
      await topic.publish({ body: 'x' });
      await a.ack(await receiveOne(a));
      await expectEmpty(a);
      await expectStats(b, { ready: 1 });
    });

    test('subscribe takes a queue handle as well as its name', { needs }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const q = await queue();
      const sub = await topic.subscribe(q, { filter: { store: ['s1'] } });
      assert.equal(sub.queue, q.name);
      assert.equal((await topic.publish({ body: 'x', headers: { store: 's1' } })).deliveredTo, 1);
      assert.equal((await receiveOne(q)).body, 'x');
      await expectCode(() => topic.subscribe({ name: 'not a name!' }), ErrorCode.InvalidName);
    });

    test('a message that matches no subscription is dropped (deliveredTo 0)', { needs }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const q = await queue();
      await topic.subscribe(q.name, { filter: { store: ['s1'] } });
      assert.equal((await topic.publish({ body: 'x', headers: { store: 's2' } })).deliveredTo, 0);
      assert.equal((await topic.publish({ body: 'x' })).deliveredTo, 0);
      await expectEmpty(q);
      const empty = await broker.createTopic(uniqueName('empty'));
      assert.equal((await empty.publish({ body: 'nobody listens' })).deliveredTo, 0);
    });

    test('publishBatch returns one result per message with its own deliveredTo', { needs }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const q1 = await queue({}, 's1');
      const all = await queue({}, 'all');
      await topic.subscribe(q1.name, { filter: { store: ['s1'] } });
      await topic.subscribe(all.name);
      const results = await topic.publishBatch([
        { id: 'p1', body: 1, headers: { store: 's1' } },
        { id: 'p2', body: 2, headers: { store: 's2' } },
      ]);
      assert.deepEqual(results, [
        { id: 'p1', deliveredTo: 2 },
        { id: 'p2', deliveredTo: 1 },
      ]);
      await expectStats(q1, { ready: 1 });
      await expectStats(all, { ready: 2 });
    });

    test('subscribing the same queue again replaces its filter and keeps its id', { needs }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const q = await queue();
      const first = await topic.subscribe(q.name, { filter: { store: ['s1'] } });
      const second = await topic.subscribe(q.name, { filter: { store: ['s2'] } });
      assert.equal(second.id, first.id);
      assert.deepEqual(second.filter, { store: ['s2'] });
      const subs = await topic.subscriptions();
      assert.equal(subs.length, 1);
      assert.deepEqual(subs[0]?.filter, { store: ['s2'] });
      assert.equal((await topic.publish({ body: 1, headers: { store: 's1' } })).deliveredTo, 0);
      assert.equal((await topic.publish({ body: 2, headers: { store: 's2' } })).deliveredTo, 1);
      await expectStats(q, { ready: 1 });
    });

    test('subscriptions() lists each subscription with its topic, queue and filter', { needs }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const a = await queue({}, 'a');
      const b = await queue({}, 'b');
      const sa = await topic.subscribe(a.name);
      const sb = await topic.subscribe(b.name, { filter: { kind: [{ prefix: 'order.' }] } });
      assert.equal(sa.topic, topic.name);
      assert.equal(sa.queue, a.name);
      assert.equal(sa.filter, null);
      assert.notEqual(sa.id, sb.id);
      const subs = await topic.subscriptions();
      assert.deepEqual(subs.map((s) => s.id).sort(), [sa.id, sb.id].sort());
      assert.deepEqual(subs.find((s) => s.id === sb.id)?.filter, { kind: [{ prefix: 'order.' }] });
    });

    test('unsubscribe stops delivery to that queue', { needs }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const a = await queue({}, 'a');
      const b = await queue({}, 'b');
      const sa = await topic.subscribe(a.name);
      await topic.subscribe(b.name);
      assert.equal(await topic.unsubscribe(sa.id), true);
      assert.equal(await topic.unsubscribe(sa.id), false, 'a second unsubscribe found it again');
      assert.equal((await topic.publish({ body: 'x' })).deliveredTo, 1);
      await expectEmpty(a);
      await expectStats(b, { ready: 1 });
    });

    test('an invalid filter policy is refused with INVALID_FILTER_POLICY and creates nothing', { needs }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const q = await queue();
      const bad: unknown[] = [{}, { store: [] }, { store: 's1' }, { price: [{ numeric: ['>', 'ten'] }] }, { x: [{ bogus: 1 }] }, { $or: [{ a: ['1'] }] }];
      for (const filter of bad) {
        await expectCode(() => topic.subscribe(q.name, { filter: filter as never }), ErrorCode.InvalidFilterPolicy, JSON.stringify(filter));
      }
      assert.deepEqual(await topic.subscriptions(), []);
      assert.equal((await topic.publish({ body: 'x' })).deliveredTo, 0);
    });

    test('publish to an unknown topic is refused with TOPIC_NOT_FOUND', { needs }, async ({ broker }) => {
      await expectCode(() => broker.topic(uniqueName('nope')).publish({ body: 'x' }), ErrorCode.TopicNotFound);
    });

    test('subscribing an unknown queue is refused with QUEUE_NOT_FOUND and creates nothing', { needs }, async ({ broker }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      await expectCode(() => topic.subscribe(uniqueName('missing')), ErrorCode.QueueNotFound);
      assert.deepEqual(await topic.subscriptions(), []);
    });

    test('subscribing to an unknown topic is refused with TOPIC_NOT_FOUND', { needs }, async ({ broker, queue }) => {
      const q = await queue();
      await expectCode(() => broker.topic(uniqueName('nope')).subscribe(q.name), ErrorCode.TopicNotFound);
    });

    test('publishBatch with one message too large stores nothing in any queue', { needs }, async ({ broker, engine, clock, queue }) => {
      const small = new Broker(engine, { clock, maxMessageBytes: 2048 });
      const topicName = uniqueName('t');
      await broker.createTopic(topicName);
      const a = await queue({}, 'a');
      const b = await queue({}, 'b');
      await broker.topic(topicName).subscribe(a.name);
      await broker.topic(topicName).subscribe(b.name);
      await expectCode(
        () => small.topic(topicName).publishBatch([{ body: 'ok' }, { body: 'x'.repeat(3000) }, { body: 'ok too' }]),
        ErrorCode.MessageTooLarge,
      );
      await expectEmpty(a);
      await expectEmpty(b);
    });

    test('deleting a subscribed queue removes its subscription', { needs }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const gone = await queue({}, 'gone');
      const kept = await queue({}, 'kept');
      await topic.subscribe(gone.name);
      const sk = await topic.subscribe(kept.name);
      assert.equal(await broker.deleteQueue(gone.name), true);
      assert.deepEqual((await topic.subscriptions()).map((s) => s.id), [sk.id]);
      assert.equal((await topic.publish({ body: 'x' })).deliveredTo, 1);
    });

    test('createTopic is idempotent and listTopics finds topics by prefix', { needs }, async ({ broker }) => {
      const stem = uniqueName('tp');
      await broker.createTopic(`${stem}-a`);
      await broker.createTopic(`${stem}-a`);
      await broker.createTopic(`${stem}-b`);
      await broker.createTopic(uniqueName('other'));
      assert.deepEqual((await broker.listTopics(stem)).map((t) => t.name).sort(), [`${stem}-a`, `${stem}-b`]);
      assert.equal((await broker.listTopics()).length, 3);
    });

    test('deleteTopic removes the topic and its subscriptions but not the queues', { needs }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const q = await queue();
      await topic.subscribe(q.name);
      await topic.publish({ body: 'kept' });
      assert.equal(await broker.deleteTopic(topic.name), true);
      assert.equal(await broker.deleteTopic(topic.name), false);
      await expectCode(() => topic.publish({ body: 'x' }), ErrorCode.TopicNotFound);
      await expectStats(q, { ready: 1 });
    });
  });
}
