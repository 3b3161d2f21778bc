import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { q, t, type Client } from '../client.js';
import { int, print } from '../output.js';
import { row } from './queue.js';

type Globals = () => { client: Client; json: boolean };

/**
 * `tail` follows messages as they arrive. On a topic (--topic) it subscribes a temporary queue,
 * so nobody else's messages are touched, and removes it on exit. On a queue it consumes: with
 * --ack it deletes what it prints, otherwise it releases each message at once (each print then
 * counts as a receive toward the queue's maxReceives).
 */
export function tailCommand(program: Command, globals: Globals): void {
  program
    .command('tail <name>')
    .description('print messages as they arrive on a queue (or on a topic with --topic)')
    .option('--topic', 'name is a topic: follow it through a temporary subscription')
    .option('--filter <json>', 'with --topic: a filter policy')
    .option('--ack', 'on a queue: delete messages as they are printed')
    .option('--count <n>', 'stop after this many messages', int('--count'))
    .action(async (name: string, o: { topic?: boolean; filter?: string; ack?: boolean; count?: number }) => {
      const { client, json } = globals();
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      let queue = name;
      let cleanup = async () => undefined as unknown;
      if (o.topic) {
        queue = `tail-${randomBytes(4).toString('hex')}`;
        await client.call('PUT', q(queue), { retentionMs: 3_600_000 });
        const sub = await client.call<{ id: string }>('POST', `${t(name)}/subscriptions`, { queue, filter: o.filter ? JSON.parse(o.filter) : null });
        cleanup = async () => {
          await client.call('DELETE', `${t(name)}/subscriptions/${sub.id}`).catch(() => undefined);
          await client.call('DELETE', q(queue)).catch(() => undefined);
        };
      }
      let seen = 0;
      try {
        while (!stop.signal.aborted && (o.count === undefined || seen < o.count)) {
          const r = await client
            .call<{ messages: Parameters<typeof row>[0][] }>('POST', `${q(queue)}/receive`, { max: 10, waitMs: 20_000 }, stop.signal)
            .catch((err: unknown) => {
              if (stop.signal.aborted) return { messages: [] };
              throw err;
            });
          for (const m of r.messages) {
            seen++;
            print(json, m, [row(m)], ['id', 'type', 'attempt', 'key', 'headers', 'body']);
            const ack = o.topic || o.ack;
            await client.call('POST', `${q(queue)}/${ack ? 'ack' : 'nack'}`, ack ? { receipts: [m.receipt] } : { receipt: m.receipt });
          }
        }
      } finally {
        await cleanup();
      }
    });
}
