/**
 * compare.native.jetstream: the NATS client straight on JetStream, as its users run it: a
 * work-queue stream on file storage, `js.publish` awaited (the server's ack), and a durable pull
 * consumer read with `consume({ max_messages: 16 })`, each message acked (`ack()`, not confirmed)
 * after its handler.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AckPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { nats, natsDurability } from './brokers.js';
import type { CompareTarget } from './workload.js';

// The package does not export its package.json; find it beside its entry point.
const entry = createRequire(import.meta.url).resolve('@nats-io/jetstream');
const version = (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;

export async function open(): Promise<CompareTarget> {
  const server = await nats();
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'compare', subjects: ['compare'], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
  await jsm.consumers.add('compare', { durable_name: 'worker', ack_policy: AckPolicy.Explicit, ack_wait: 60_000_000_000 });
  const js = jetstream(nc);
  let messages: ConsumerMessages | undefined;
  let loop: Promise<void> | undefined;
  return {
    durability: natsDurability,
    notes: { client: `@nats-io/jetstream@${version}`, consumer: 'consume({ max_messages: 16 }), ack() after the handler', ack: 'ack(), not confirmed (ackAck() would wait for the server)' },
    async send(body, headers) {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(headers)) h.set(k, v);
      await js.publish('compare', body, { headers: h });
    },
    async startConsumer(onMessage) {
      const consumer = await js.consumers.get('compare', 'worker');
      messages = await consumer.consume({ max_messages: 16 });
      const it = messages;
      loop = (async () => {
        for await (const m of it) {
          const h: Record<string, string> = {};
          for (const k of m.headers?.keys() ?? []) h[k] = m.headers?.get(k) ?? '';
          onMessage(h);
          m.ack();
        }
      })();
    },
    async close() {
      await messages?.close();
      await loop;
      await nc.close();
      await server.stop();
    },
  };
}
