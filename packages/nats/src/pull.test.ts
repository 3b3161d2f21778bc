import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { natsAvailable, natsSkipReason, startNats, type NatsServer } from '../../../tests/support/nats.js';
import { parseAckSubject } from './names.js';
import { Puller } from './pull.js';

/**
 * Pulls on a real nats-server: reply inboxes are reused only after a request ended cleanly, and
 * no message is lost or delivered twice on the way (a delivery count above 1 would mean one went
 * to an inbox nobody was reading).
 */
if (!natsAvailable()) {
  void describe('nats pulls', () => void it('runs against a real nats-server', (t) => t.skip(natsSkipReason)));
} else {
  let server: NatsServer | undefined;
  let nc: NatsConnection;
  let subscribes = 0;
  let n = 0;
  before(async () => {
    server = await startNats();
    nc = await connect({ servers: server?.url ?? '' });
    // Counts the subscriptions the puller opens on this (real) connection.
    const subscribe = nc.subscribe.bind(nc);
    nc.subscribe = (...args: Parameters<NatsConnection['subscribe']>) => {
      subscribes++;
      return subscribe(...args);
    };
  });
  after(async () => {
    await nc.close();
    await server?.stop();
  });

  /** A work-queue stream with `count` messages and a durable pull consumer on it. */
  async function queue(count: number): Promise<{ stream: string; publish(k: number): Promise<void> }> {
    const stream = `P${n++}`;
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`p.${stream}`], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
    await jsm.consumers.add(stream, { durable_name: 'c', ack_policy: AckPolicy.Explicit, ack_wait: 60_000_000_000 });
    const publish = async (k: number) => {
      for (let i = 0; i < k; i++) await nc.request(`p.${stream}`, `m${i}`);
    };
    await publish(count);
    return { stream, publish };
  }

  const deliveries = (msgs: Msg[]) => msgs.map((m) => parseAckSubject(m.reply ?? '')).map((a) => [a?.streamSeq, a?.delivered]);
  const ack = (msgs: Msg[]) => msgs.forEach((m) => m.respond('+ACK'));

  void describe('nats pulls', () => {
    it('one pull after another reuses one reply inbox, and every message arrives once, on its first delivery', async () => {
      const q = await queue(50);
      const puller = new Puller(nc);
      const before = subscribes;
      const got: Msg[] = [];
      for (let i = 0; got.length < 50; i++) {
        const msgs = await puller.pull(q.stream, 'c', { batch: 1 + (i % 7) });
        got.push(...msgs);
        ack(msgs);
      }
      // Ended by a partial batch, then by an empty one, then by a long poll's expiry.
      assert.deepEqual(await puller.pull(q.stream, 'c', { batch: 5 }), []);
      assert.deepEqual(await puller.pull(q.stream, 'c', { batch: 5, expiresMs: 200 }), []);
      await q.publish(2);
      const last = await puller.pull(q.stream, 'c', { batch: 5 });
      assert.deepEqual(deliveries(last), [
        [51, 1],
        [52, 1],
      ]);
      assert.deepEqual(
        deliveries(got),
        Array.from({ length: 50 }, (_, i) => [i + 1, 1]),
      );
      assert.equal(subscribes - before, 1, 'a subscription per pull');
      puller.close();
    });

    it('drops the inbox of an aborted long poll, which withdraws the request: the next message goes to the next pull, delivered once', async () => {
      const q = await queue(0);
      const puller = new Puller(nc);
      const before = subscribes;
      const abort = new AbortController();
      const waiting = puller.pull(q.stream, 'c', { batch: 1, expiresMs: 10_000, signal: abort.signal });
      await new Promise((resolve) => setTimeout(resolve, 100));
      abort.abort();
      assert.deepEqual(await waiting, []);
      await q.publish(1);
      const next = await puller.pull(q.stream, 'c', { batch: 1, expiresMs: 5_000 });
      assert.deepEqual(deliveries(next), [[1, 1]]);
      assert.equal(subscribes - before, 2, 'the aborted inbox was not reused');
      puller.close();
    });

    it('ends a waiting long poll with nothing as soon as its connection closes, not at its timer', async () => {
      const q = await queue(0);
      const own = await connect({ servers: server?.url ?? '' });
      const puller = new Puller(own);
      const started = Date.now();
      const waiting = puller.pull(q.stream, 'c', { batch: 1, expiresMs: 30_000 });
      await own.close();
      assert.deepEqual(await waiting, []);
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    });

    it('pulls at once each get an inbox of their own, and share out the messages without overlap', async () => {
      const q = await queue(60);
      const puller = new Puller(nc);
      const before = subscribes;
      const got: Msg[] = [];
      while (got.length < 60) {
        const rounds = await Promise.all([0, 1, 2].map(() => puller.pull(q.stream, 'c', { batch: 4 })));
        for (const msgs of rounds) {
          got.push(...msgs);
          ack(msgs);
        }
      }
      assert.deepEqual(
        deliveries(got).sort((a, b) => (a[0] as number) - (b[0] as number)),
        Array.from({ length: 60 }, (_, i) => [i + 1, 1]),
      );
      assert.equal(subscribes - before, 3, 'three inboxes, reused round after round');
      puller.close();
    });
  });
}
