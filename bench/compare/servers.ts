/** Durable private servers for the compare bench (the test servers run without fsync). */
import { Redis } from 'ioredis';
import { startPostgres, type PostgresServer } from '../../tests/support/postgres.js';
import { startRedis, type RedisServer } from '../../tests/support/redis.js';

/** PostgreSQL with fsync=on and synchronous_commit=on: a commit returns once its WAL is flushed. */
export async function durablePostgres(): Promise<PostgresServer> {
  const pg = await startPostgres({ fsync: true });
  if (!pg) throw new Error('PostgreSQL is not installed');
  return pg;
}

export const postgresDurability = 'fsync per commit (fsync=on, synchronous_commit=on; concurrent commits share WAL flushes)';

/** Redis switched to an AOF fsynced before each reply (`appendonly yes`, `appendfsync always`). */
export async function durableRedis(): Promise<RedisServer> {
  const server = await startRedis();
  if (!server) throw new Error('redis-server is not installed');
  const admin = new Redis(server.url);
  await admin.config('SET', 'appendonly', 'yes');
  await admin.config('SET', 'appendfsync', 'always');
  // Enabling the AOF starts a rewrite; wait for it so the run measures steady state.
  for (let i = 0; i < 100; i++) {
    const info = await admin.info('persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_enabled:1/.test(info)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await admin.quit();
  return server;
}

export const redisDurability = 'AOF fsync before each reply (appendonly yes, appendfsync always)';
