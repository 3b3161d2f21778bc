/**
 * compare.native.amqplib-quorum: amqplib straight on a quorum queue, as its users run it: a
 * confirm channel publishing persistent messages (a send resolves on the broker's confirm), and
 * `channel.consume` with prefetch 16, acking each message after its handler (basic.ack is not
 * confirmed, as amqplib users ack).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import amqp from 'amqplib';
import { rabbitDurability, rabbitMq } from './brokers.js';
import type { CompareTarget } from './workload.js';

// The package does not export its package.json; find it beside its entry point.
const entry = createRequire(import.meta.url).resolve('amqplib');
const version = (JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')) as { version: string }).version;

export function open(): Promise<CompareTarget> {
  return openWithPrefetch(16);
}

/**
 * The same with another prefetch. The Switchyard engine's broker window is its leases plus a
 * read-ahead of 16 (32 in this workload), so `prefetch 32` shows the native client with the
 * window the engine's consumer gets from the broker.
 */
export async function openWithPrefetch(prefetch: number): Promise<CompareTarget> {
  const server = await rabbitMq();
  const conn = await amqp.connect(server.url);
  const pub = await conn.createConfirmChannel();
  await pub.assertQueue('compare', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  const sub = await conn.createChannel();
  return {
    durability: rabbitDurability,
    notes: { client: `amqplib@${version}`, consumer: `consume, prefetch ${prefetch}, ack after the handler`, ack: 'basic.ack, not confirmed (as amqplib users ack)' },
    send: (body, headers) =>
      new Promise<void>((resolve, reject) => {
        pub.sendToQueue('compare', Buffer.from(body), { persistent: true, headers }, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
      }),
    async startConsumer(onMessage) {
      await sub.prefetch(prefetch);
      await sub.consume('compare', (m) => {
        if (!m) return;
        onMessage((m.properties.headers ?? {}) as Record<string, string>);
        sub.ack(m);
      });
    },
    async close() {
      await conn.close();
      await server.stop();
    },
  };
}
