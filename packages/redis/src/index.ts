import { RedisEngine } from './engine.js';
import type { RedisEngineOptions } from './options.js';

export { RedisEngine } from './engine.js';
export type { RedisEngineOptions } from './options.js';

/**
 * Connects to Redis and subscribes to wake-ups.
 *
 *   const engine = await openRedisEngine({ url: 'redis://127.0.0.1:6379' });
 *   await using broker = new Broker(engine);
 */
export async function openRedisEngine(options: RedisEngineOptions): Promise<RedisEngine> {
  const engine = new RedisEngine(options);
  try {
    return await engine.open();
  } catch (err) {
    await engine.close();
    throw err;
  }
}
