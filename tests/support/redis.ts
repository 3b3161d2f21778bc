/**
 * A throwaway redis-server for tests and benchmarks: loopback only, a free port, no persistence,
 * a temp dir removed on stop. `startRedis()` resolves to undefined when the binary is missing,
 * so callers can skip with a reason instead of failing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopper, waitForReady, withPortRetries } from './daemon.js';
import type { ServerKind } from './private-server.js';

export const redisBinary = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
export const redisSkipReason = 'redis-server is not installed (apt-get install redis-server; .ci/run installs it)';

export interface RedisServer extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

export function redisAvailable(): boolean {
  return existsSync(redisBinary);
}

export async function startRedis(): Promise<RedisServer | undefined> {
  if (!redisAvailable()) return undefined;
  return withPortRetries(async () => launch(await freePort()));
}

async function launch(port: number): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-redis-'));
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn(redisBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await waitForReady(child, 'redis-server', /Ready to accept connections/, 10_000);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const stop = stopper(child, dir);
  return { host: '127.0.0.1', port, url: `redis://127.0.0.1:${port}`, stop, [Symbol.asyncDispose]: stop };
}

/** For onPrivateServer (private-server.ts). */
export const redisKind: ServerKind<RedisServer> = { what: 'a real Redis server', available: redisAvailable, skipReason: redisSkipReason, start: () => startRedis() };
