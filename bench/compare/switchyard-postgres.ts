/** compare.switchyard.postgres: @switchyard/postgres on a private, durable PostgreSQL. */
import { Broker } from '@switchyard/core';
import { openPostgresEngine } from '@switchyard/postgres';
import { durablePostgres, postgresDurability } from './servers.js';
import { switchyardTarget } from './switchyard-queue.js';
import type { CompareTarget } from './workload.js';

export async function open(): Promise<CompareTarget> {
  const server = await durablePostgres();
  const engine = await openPostgresEngine({ url: server.url, poolSize: 16 });
  return switchyardTarget(new Broker(engine), postgresDurability, () => server.stop());
}
