/** The RabbitMQ and NATS servers the compare cases run on, and the durability each gives. */
import { startNats, type NatsServer } from '../../tests/support/nats.js';
import { startRabbitMq, type RabbitMqServer } from '../../tests/support/rabbitmq.js';

export async function rabbitMq(): Promise<RabbitMqServer> {
  const server = await startRabbitMq();
  if (!server) throw new Error('rabbitmq-server is not installed (or we are not root)');
  return server;
}

export const rabbitDurability = 'publisher confirms on a quorum queue, persistent messages (the queue fsyncs before it confirms)';

export async function nats(): Promise<NatsServer> {
  const server = await startNats();
  if (!server) throw new Error('nats-server is not installed');
  return server;
}

export const natsDurability =
  'JetStream file storage, publish acked by the server (written to the file store before the ack; nats-server 2.9 fsyncs every 2 min, so it survives a process crash, not a power cut)';
