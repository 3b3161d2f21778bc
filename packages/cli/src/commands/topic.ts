import type { Command } from 'commander';
import { t, type Client } from '../client.js';
import { collect, parseBody, parseHeaders, print } from '../output.js';

type Globals = () => { client: Client; json: boolean };

export function topicCommands(program: Command, globals: Globals): void {
  const topic = program.command('topic').description('manage topics and subscriptions; publish');

  topic.command('create <name>').action(async (name: string) => {
    const { client, json } = globals();
    const r = await client.call('PUT', t(name));
    print(json, r, [r]);
  });

  topic.command('list').action(async () => {
    const { client, json } = globals();
    const r = await client.call<{ topics: Record<string, unknown>[] }>('GET', '/v1/topics');
    print(json, r, r.topics);
  });

  topic
    .command('subscribe <topic> <queue>')
    .description('deliver a copy of matching messages to the queue')
    .option('--filter <json>', 'filter policy on headers, e.g. \'{"region":["eu"]}\'')
    .action(async (name: string, queue: string, o: { filter?: string }) => {
      const { client, json } = globals();
      let filter: unknown = null;
      if (o.filter) {
        try {
          filter = JSON.parse(o.filter);
        } catch {
          throw new Error('--filter must be JSON');
        }
      }
      const r = await client.call('POST', `${t(name)}/subscriptions`, { queue, filter });
      print(json, r, [r], ['id', 'topic', 'queue', 'filter']);
    });

  topic.command('subscriptions <topic>').action(async (name: string) => {
    const { client, json } = globals();
    const r = await client.call<{ subscriptions: Record<string, unknown>[] }>('GET', `${t(name)}/subscriptions`);
    print(json, r, r.subscriptions, ['id', 'queue', 'filter']);
  });

  topic
    .command('publish <topic> <body>')
    .option('--type <type>', 'message type')
    .option('--header <name=value>', 'a header (repeatable)', collect)
    .option('--key <key>', 'group key')
    .action(async (name: string, body: string, o: { type?: string; header?: string[]; key?: string }) => {
      const { client, json } = globals();
      const message: Record<string, unknown> = { body: parseBody(body) };
      const headers = parseHeaders(o.header);
      if (headers) message.headers = headers;
      if (o.type) message.type = o.type;
      if (o.key) message.key = o.key;
      const r = await client.call<{ results: Record<string, unknown>[] }>('POST', `${t(name)}/messages`, { messages: [message] });
      print(json, r.results[0], r.results, ['id', 'deliveredTo']);
    });

  topic.command('delete <name>').action(async (name: string) => {
    const { client, json } = globals();
    const r = await client.call('DELETE', t(name));
    print(json, r, [r]);
  });
}
