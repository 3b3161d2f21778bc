import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import type { Channel, ConsumeMessage } from 'amqplib';
import { Receiver } from './receive.js';

/**
 * The channel side of a consumer, scripted: the test says what `checkQueue` answers and when each
 * delivery reaches the process. A real broker (the conformance suite runs one) splits a burst of
 * deliveries over socket reads only under load, so the cases below cannot be forced there.
 */
class ScriptedChannel extends EventEmitter {
  /** What queue.declare reports as ready. */
  ready = 0;
  /** The running consumers, oldest first, with the prefetch each was started with. */
  readonly consumers: { tag: string; prefetch: number; onDelivery: (m: ConsumeMessage | null) => void }[] = [];
  readonly cancelled: string[] = [];
  #prefetch = 0;
  #started = 0;
  #sent = 0;

  checkQueue(queue: string) {
    return Promise.resolve({ queue, messageCount: this.ready, consumerCount: 0 });
  }
  prefetch(count: number) {
    this.#prefetch = count;
    return Promise.resolve();
  }
  consume(_queue: string, onDelivery: (m: ConsumeMessage | null) => void) {
    const tag = `c${++this.#started}`;
    this.consumers.push({ tag, prefetch: this.#prefetch, onDelivery });
    return Promise.resolve({ consumerTag: tag });
  }
  cancel(tag: string) {
    const i = this.consumers.findIndex((c) => c.tag === tag);
    if (i >= 0) this.consumers.splice(i, 1);
    this.cancelled.push(tag);
    return Promise.resolve({ consumerTag: tag });
  }
  /** `n` deliveries reach the process (in one socket read), to the oldest consumer. */
  deliver(n: number): void {
    const consumer = this.consumers[0];
    assert.ok(consumer, 'no consumer is running');
    for (let i = 0; i < n; i++) consumer.onDelivery({ content: Buffer.from(String(this.#sent++)) } as ConsumeMessage);
  }
}

function receiverOn(ch: ScriptedChannel, held: () => number = () => 0): Receiver {
  return new Receiver(ch as unknown as Channel, 'q', () => Promise.resolve(), held);
}

/** Whether `p` has settled once pending I/O callbacks and timers due now have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await turn();
  return done;
}

const bodies = (got: ConsumeMessage[]) => got.map((m) => m.content.toString());
const signal = new AbortController().signal;

void describe('RabbitMQ receiver: a burst that arrives over several reads', () => {
  void it('a receive for two waits for the second of an announced burst, though the queue now reports none ready', async () => {
    const ch = new ScriptedChannel();
    const receiver = receiverOn(ch);
    ch.ready = 5;
    const first = receiver.take(1, 0, signal);
    await turn();
    // The broker has pushed all five (none ready any more); one has arrived.
    ch.ready = 0;
    ch.deliver(1);
    assert.deepEqual(bodies(await first), ['0']);
    const second = receiver.take(2, 0, signal);
    assert.equal(await settled(second), false, 'the receive waits for the rest of the burst');
    ch.deliver(1);
    assert.equal(await settled(second), false, 'one of two is not enough while more are on their way');
    ch.deliver(1);
    assert.deepEqual(bodies(await second), ['1', '2']);
    ch.deliver(2);
    assert.deepEqual(bodies(await receiver.take(10, 0, signal)), ['3', '4']);
    assert.deepEqual(await receiver.take(10, 0, signal), []);
    await receiver.close();
  });

  void it('a receive that finds part of the burst here waits for as many as it asked for', async () => {
    const ch = new ScriptedChannel();
    const receiver = receiverOn(ch);
    ch.ready = 4;
    const first = receiver.take(1, 0, signal);
    await turn();
    ch.ready = 0;
    ch.deliver(2);
    assert.deepEqual(bodies(await first), ['0']);
    const second = receiver.take(3, 0, signal);
    assert.equal(await settled(second), false);
    ch.deliver(2);
    assert.deepEqual(bodies(await second), ['1', '2', '3']);
    await receiver.close();
  });

  void it('a receive with no wait that finds part of what it asked for asks the queue, and waits for what is still ready there', async () => {
    const ch = new ScriptedChannel();
    const receiver = receiverOn(ch);
    ch.ready = 20;
    const first = receiver.take(10, 0, signal);
    await turn();
    // The consumer's window takes 16; four stay ready in the queue until it has room.
    ch.ready = 4;
    ch.deliver(16);
    assert.equal((await first).length, 10);
    const second = receiver.take(10, 0, signal);
    assert.equal(await settled(second), false, 'six are here, four more are ready in the queue');
    ch.ready = 0;
    ch.deliver(4);
    assert.deepEqual(bodies(await second), ['10', '11', '12', '13', '14', '15', '16', '17', '18', '19']);
    await receiver.close();
  });

  void it('announced deliveries that never come (another consumer took them) hold a receive only briefly, once', async () => {
    const ch = new ScriptedChannel();
    const receiver = receiverOn(ch);
    ch.ready = 3;
    const started = Date.now();
    const first = receiver.take(3, 30_000, signal);
    await turn();
    ch.ready = 0;
    ch.deliver(1);
    assert.deepEqual(bodies(await first), ['0'], 'what came is served, long before the poll would end');
    assert.ok(Date.now() - started < 10_000);
    // Nothing is announced any more: a receive that finds one here returns it at once.
    ch.deliver(1);
    await turn();
    const second = receiver.take(3, 0, signal);
    assert.equal(await settled(second), true);
    assert.deepEqual(bodies(await second), ['1']);
    await receiver.close();
  });

  void it('without an announcement, what is here is served at once', async () => {
    const ch = new ScriptedChannel();
    const receiver = receiverOn(ch);
    ch.ready = 1;
    const first = receiver.take(1, 0, signal);
    await turn();
    ch.ready = 0;
    ch.deliver(1);
    assert.deepEqual(bodies(await first), ['0']);
    // A message sent later, pushed to the running consumer: no receive announced it.
    ch.deliver(1);
    const second = receiver.take(5, 0, signal);
    assert.equal(await settled(second), true);
    assert.deepEqual(bodies(await second), ['1']);
    await receiver.close();
  });
});

void describe('RabbitMQ receiver: a window that grows', () => {
  void it('adds a consumer for the difference and cancels none (a quorum queue counts a delivery for each message on its way to a cancelled consumer)', async () => {
    const ch = new ScriptedChannel();
    let held = 0;
    const receiver = receiverOn(ch, () => held);
    ch.ready = 1;
    const first = receiver.take(1, 0, signal);
    await turn();
    ch.ready = 0;
    ch.deliver(1);
    assert.equal((await first).length, 1);
    assert.deepEqual(
      ch.consumers.map((c) => c.prefetch),
      [16],
    );
    // This process now holds 40 leases: its window must take them and the read-ahead.
    held = 40;
    ch.ready = 2;
    const second = receiver.take(2, 0, signal);
    await turn();
    ch.deliver(2);
    assert.equal((await second).length, 2);
    assert.deepEqual(ch.cancelled, [], 'no consumer was cancelled while deliveries may be on their way');
    assert.deepEqual(
      ch.consumers.map((c) => c.prefetch),
      [16, 48],
      'the second consumer takes up the difference to a window of 64',
    );
    await receiver.close();
    assert.deepEqual(ch.cancelled, ['c1', 'c2'], 'close cancels both');
  });
});
