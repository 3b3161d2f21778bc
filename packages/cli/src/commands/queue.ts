import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { q, type Client } from '../client.js';
import { collect, int, parseBody, parseHeaders, print } from '../output.js';

type Globals = () => { client: Client; json: boolean };

interface Delivery {
  id: string;
  type: string;
  body?: unknown;
  bodyBase64?: string;
  headers: Record<string, string>;
  attempt: number;
  receipt: string;
  key?: string;
}

export function queueCommands(program: Command, globals: Globals): void {
  const queue = program.command('queue').description('manage queues and their messages');

  queue
    .command('create <name>')
    .description('create a queue (idempotent with the same settings)')
    .option('--fifo', 'FIFO queue (the name must end in .fifo)')
    .option('--visibility <ms>', 'visibility timeout', int('--visibility'))
    .option('--delay <ms>', 'delay for every message', int('--delay'))
    .option('--retention <ms>', 'retention period', int('--retention'))
    .option('--dlq <queue>', 'dead-letter queue')
    .option('--max-receives <n>', 'receives before dead-lettering (with --dlq)', int('--max-receives'), 5)
    .action(async (name: string, o: { fifo?: boolean; visibility?: number; delay?: number; retention?: number; dlq?: string; maxReceives: number }) => {
      const { client, json } = globals();
      const body: Record<string, unknown> = {};
      if (o.fifo) body.fifo = true;
      if (o.visibility !== undefined) body.visibilityTimeoutMs = o.visibility;
      if (o.delay !== undefined) body.delayMs = o.delay;
      if (o.retention !== undefined) body.retentionMs = o.retention;
      if (o.dlq) body.deadLetter = { queue: o.dlq, maxReceives: o.maxReceives };
      const info = await client.call('PUT', q(name), body);
      print(json, info, [info], ['name', 'fifo', 'visibilityTimeoutMs', 'delayMs', 'retentionMs', 'deadLetter']);
    });

  queue
    .command('list')
    .option('--prefix <prefix>', 'only names starting with this')
    .action(async (o: { prefix?: string }) => {
      const { client, json } = globals();
      const r = await client.call<{ queues: Record<string, unknown>[] }>('GET', `/v1/queues${o.prefix ? `?prefix=${encodeURIComponent(o.prefix)}` : ''}`);
      print(json, r, r.queues, ['name', 'fifo', 'visibilityTimeoutMs', 'delayMs', 'retentionMs', 'deadLetter']);
    });

  queue
    .command('send <name> [body]')
    .description('send a message: the body is JSON if it parses, else text; "-" or none reads stdin')
    .option('--type <type>', 'message type')
    .option('--header <name=value>', 'a header (repeatable)', collect)
    .option('--key <key>', 'group key (required on FIFO queues)')
    .option('--dedup-id <id>', 'FIFO deduplication id')
    .option('--delay <ms>', 'hide the message this long', int('--delay'))
    .action(async (name: string, bodyArg: string | undefined, o: { type?: string; header?: string[]; key?: string; dedupId?: string; delay?: number }) => {
      const { client, json } = globals();
      const text = bodyArg === undefined || bodyArg === '-' ? readFileSync(0, 'utf8').replace(/\n$/, '') : bodyArg;
      const message: Record<string, unknown> = { body: parseBody(text) };
      const headers = parseHeaders(o.header);
      if (headers) message.headers = headers;
      if (o.type) message.type = o.type;
      if (o.key) message.key = o.key;
      if (o.dedupId) message.dedupId = o.dedupId;
      if (o.delay !== undefined) message.delayMs = o.delay;
      const r = await client.call<{ results: Record<string, unknown>[] }>('POST', `${q(name)}/messages`, { messages: [message] });
      print(json, r.results[0], r.results, ['id', 'duplicate']);
    });

  queue
    .command('receive <name>')
    .description('lease messages and print them; --ack deletes them, otherwise they are released at once')
    .option('--max <n>', 'at most this many', int('--max'), 1)
    .option('--wait <ms>', 'long-poll this long for the first', int('--wait'), 0)
    .option('--ack', 'delete what was received')
    .action(async (name: string, o: { max: number; wait: number; ack?: boolean }) => {
      const { client, json } = globals();
      const r = await client.call<{ messages: Delivery[] }>('POST', `${q(name)}/receive`, { max: o.max, waitMs: o.wait });
      for (const m of r.messages) {
        if (o.ack) await client.call('POST', `${q(name)}/ack`, { receipts: [m.receipt] });
        else await client.call('POST', `${q(name)}/nack`, { receipt: m.receipt });
      }
      print(json, r, r.messages.map(row), ['id', 'type', 'attempt', 'key', 'body', 'headers']);
    });

  queue
    .command('peek <name>')
    .description('browse messages in delivery order without leasing them')
    .option('--max <n>', 'at most this many', int('--max'), 10)
    .option('--cursor <cursor>', 'continue from an earlier page')
    .action(async (name: string, o: { max: number; cursor?: string }) => {
      const { client, json } = globals();
      const r = await client.call<{ messages: Record<string, unknown>[]; next?: string }>('GET', `${q(name)}/peek?max=${o.max}${o.cursor ? `&cursor=${encodeURIComponent(o.cursor)}` : ''}`);
      print(json, r, r.messages.map((m) => row(m as unknown as Delivery)), ['id', 'state', 'receives', 'type', 'key', 'body']);
      if (!json && r.next) console.log(`more: --cursor ${r.next}`);
    });

  queue.command('stats <name>').action(async (name: string) => {
    const { client, json } = globals();
    const s = await client.call('GET', `${q(name)}/stats`);
    print(json, s, [s]);
  });

  queue.command('purge <name>').action(async (name: string) => {
    const { client, json } = globals();
    const r = await client.call('POST', `${q(name)}/purge`);
    print(json, r, [r]);
  });

  queue
    .command('redrive <dlq>')
    .description('move dead letters back to their source queues, or to --to')
    .option('--to <queue>', 'send them here instead')
    .option('--max <n>', 'move at most this many', int('--max'))
    .option('--max-per-second <n>', 'rate limit', int('--max-per-second'))
    .action(async (dlq: string, o: { to?: string; max?: number; maxPerSecond?: number }) => {
      const { client, json } = globals();
      const r = await client.call('POST', `${q(dlq)}/redrive`, o);
      print(json, r, [r]);
    });

  queue.command('delete <name>').action(async (name: string) => {
    const { client, json } = globals();
    const r = await client.call('DELETE', q(name));
    print(json, r, [r]);
  });
}

export function row(m: Delivery): Record<string, unknown> {
  return { ...m, body: m.bodyBase64 !== undefined ? `base64:${m.bodyBase64}` : m.body };
}
