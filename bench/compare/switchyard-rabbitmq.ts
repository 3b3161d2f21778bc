/** compare.switchyard.rabbitmq: @switchyard/rabbitmq on a private RabbitMQ 3.10 (quorum queue, confirms). */
import { Broker } from '@switchyard/core';
import { openRabbitMqEngine } from '@switchyard/rabbitmq';
import { rabbitDurability, rabbitMq } from './brokers.js';
import { switchyardTarget } from './switchyard-queue.js';
import type { CompareTarget } from './workload.js';

export async function open(): Promise<CompareTarget> {
  const server = await rabbitMq();
  const engine = await openRabbitMqEngine({ url: server.url, managementUrl: server.managementUrl });
  return switchyardTarget(new Broker(engine), rabbitDurability, () => server.stop(), { ack: 'resolves once the broker has processed it (a confirmed publish behind it on the channel)' });
}
