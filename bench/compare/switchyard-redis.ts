/** compare.switchyard.redis: @switchyard/redis on a private Redis with an always-fsynced AOF. */
import { Broker } from '@switchyard/core';
import { openRedisEngine } from '@switchyard/redis';
import { durableRedis, redisDurability } from './servers.js';
import { switchyardTarget } from './switchyard-queue.js';
import type { CompareTarget } from './workload.js';

export async function open(): Promise<CompareTarget> {
  const server = await durableRedis();
  const engine = await openRedisEngine({ url: server.url });
  return switchyardTarget(new Broker(engine), redisDurability, () => server.stop());
}
