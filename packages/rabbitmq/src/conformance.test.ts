import { after, describe, it } from 'node:test';
import { runConformance, StoreKeys } from '@switchyard/testkit';
import { rabbitUnavailableReason, startRabbitMq, type RabbitMqServer } from '../../../tests/support/rabbitmq.js';
import { openRabbitMqEngine } from './index.js';

// One broker for the file (it takes seconds to start); each case gets its own prefix.
const server: RabbitMqServer | undefined = await startRabbitMq();
let n = 0;
const prefixes = new StoreKeys<string>();

if (server) {
  runConformance({
    name: 'rabbitmq',
    open: async () => {
      const prefix = `c${process.pid}x${n++}`;
      return prefixes.remember(await openRabbitMqEngine({ url: server.url, managementUrl: server.managementUrl, prefix }), prefix);
    },
    peer: ({ engine }) => openRabbitMqEngine({ url: server.url, managementUrl: server.managementUrl, prefix: prefixes.of(engine) }),
  });
} else {
  void describe('switchyard conformance: rabbitmq', () => {
    void it('runs against a real RabbitMQ', (t) => t.skip(rabbitUnavailableReason()));
  });
}

after(async () => {
  await server?.stop();
});
