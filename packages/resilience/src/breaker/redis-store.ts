import { LuaScript, type RedisClient } from '../redis/script.js';
import type { BreakerStateStore, SharedCircuitState } from './shared.js';

const publishScript = new LuaScript(`
local v = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'at', ARGV[2])
return v
`);

/**
 * Shared circuit state in a Redis hash per circuit (`<prefix><name>`: state, at, version).
 * Publishing is one script, so the version and the state it labels change together.
 */
export class RedisBreakerStateStore implements BreakerStateStore {
  readonly prefix: string;

  constructor(private readonly client: RedisClient, options: { prefix?: string } = {}) {
    this.prefix = options.prefix ?? 'switchyard:breaker:';
  }

  async publish(name: string, change: { state: 'open' | 'closed'; at: number }): Promise<number> {
    return Number(await publishScript.run(this.client, [this.prefix + name], [change.state, change.at]));
  }

  async read(name: string): Promise<SharedCircuitState | undefined> {
    const [state, at, version] = await this.client.hmget(this.prefix + name, 'state', 'at', 'version');
    if ((state !== 'open' && state !== 'closed') || at == null || version == null) return undefined;
    return { state, at: Number(at), version: Number(version) };
  }
}
