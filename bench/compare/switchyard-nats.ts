/** compare.switchyard.nats: @switchyard/nats on a private nats-server 2.9 with JetStream file storage. */
import { Broker } from '@switchyard/core';
import { openNatsEngine } from '@switchyard/nats';
import { nats, natsDurability } from './brokers.js';
import { switchyardTarget } from './switchyard-queue.js';
import type { CompareTarget } from './workload.js';

export async function open(): Promise<CompareTarget> {
  const server = await nats();
  const engine = await openNatsEngine({ servers: server.url });
  return switchyardTarget(new Broker(engine), natsDurability, () => server.stop(), { ack: 'resolves when the server has answered it (double ack)' });
}
