import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** Any ioredis client: a single node or a cluster (keys of one script must share a slot). */
export type RedisClient = Redis | Cluster;

/**
 * A Lua script run atomically by Redis: EVALSHA first (only the hash on the wire), EVAL when the
 * server does not have it cached yet (after a restart or SCRIPT FLUSH).
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Lua prologue shared by scripts that take the time as ARGV[1]: a negative value means "use the
 * Redis server's clock", so processes on different machines agree on one time source.
 */
export const luaNow = `
local now = tonumber(ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;
