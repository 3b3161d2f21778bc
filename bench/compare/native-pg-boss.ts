/**
 * compare.native.pg-boss: pg-boss 10 (the last line that runs on Node 20) on the same kind of
 * PostgreSQL, as its users run it: `send`, and `work` fetching batches of 16 with the shortest
 * polling interval it allows (0.5 s; a worker that finds jobs still waits out the interval
 * unless a send in this process notifies it).
 */
import { createRequire } from 'node:module';
import PgBoss from 'pg-boss';
import { durablePostgres, postgresDurability } from './servers.js';
import type { CompareTarget } from './workload.js';

const version = (createRequire(import.meta.url)('pg-boss/package.json') as { version: string }).version;

export async function open(): Promise<CompareTarget> {
  const server = await durablePostgres();
  const boss = new PgBoss({ connectionString: server.url, max: 16, supervise: false, schedule: false });
  boss.on('error', (err: unknown) => console.error(err));
  await boss.start();
  await boss.createQueue('compare');
  return {
    durability: postgresDurability,
    notes: { client: `pg-boss@${version}`, consumer: 'work(), batchSize 16, pollingIntervalSeconds 0.5' },
    send: (body, headers) => boss.send('compare', { body, headers }).then(() => undefined),
    async startConsumer(onMessage) {
      await boss.work<{ headers: Record<string, string> }>('compare', { batchSize: 16, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const job of jobs) onMessage(job.data.headers);
      });
    },
    async close() {
      await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
      await server.stop();
    },
  };
}
