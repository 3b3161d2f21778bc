import { after, describe, it } from 'node:test';
import { runConformance } from '@switchyard/testkit';
import { rabbitUnavailableReason, startRabbitMq, type RabbitMqServer } from '../../../tests/support/rabbitmq.js';
import { openRabbitMqEngine } from './index.js';

// One broker for the file (it takes seconds to start); each case gets its own prefix.
const server: RabbitMqServer | undefined = await startRabbitMq();
let n = 0;

if (server) {
  runConformance({
    name: 'rabbitmq',
    open: () => openRabbitMqEngine({ url: server.url, managementUrl: server.managementUrl, prefix: `c${process.pid}x${n++}` }),
  });
} else {
  void describe('switchyard conformance: rabbitmq', () => {
    void it('runs against a real RabbitMQ', (t) => t.skip(rabbitUnavailableReason()));
  });
}

after(async () => {
  await server?.stop();
});
