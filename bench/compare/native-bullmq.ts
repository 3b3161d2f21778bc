/**
 * compare.native.bullmq: BullMQ on the same kind of Redis, as its users run it: `Queue.add`
 * with completed jobs removed, and a `Worker` with concurrency 16 (BullMQ's consumer fetches
 * the next job in the same call that completes one).
 */
import { createRequire } from 'node:module';
import { Queue, Worker } from 'bullmq';
import { durableRedis, redisDurability } from './servers.js';
import type { CompareTarget } from './workload.js';

const version = (createRequire(import.meta.url)('bullmq/package.json') as { version: string }).version;

export async function open(): Promise<CompareTarget> {
  const server = await durableRedis();
  const connection = { host: server.host, port: server.port, maxRetriesPerRequest: null };
  const queue = new Queue('compare', { connection });
  let worker: Worker | undefined;
  return {
    durability: redisDurability,
    notes: { client: `bullmq@${version}`, consumer: 'Worker, concurrency 16', jobs: 'removeOnComplete: true' },
    send: (body, headers) => queue.add('m', { body, headers }, { removeOnComplete: true, removeOnFail: true }).then(() => undefined),
    async startConsumer(onMessage) {
      worker = new Worker(
        'compare',
        async (job) => {
          onMessage((job.data as { headers: Record<string, string> }).headers);
        },
        { connection, concurrency: 16 },
      );
      await worker.waitUntilReady();
    },
    async close() {
      await worker?.close();
      await queue.close();
      await server.stop();
    },
  };
}
