import { PostgresEngine } from './engine.js';
import type { PostgresEngineOptions } from './options.js';

export { PostgresEngine } from './engine.js';
export type { PostgresEngineOptions } from './options.js';

/**
 * Connects to PostgreSQL, creates the engine's schema when missing, and starts listening for
 * wake-ups from other processes.
 *
 *   const engine = await openPostgresEngine({ url: 'postgres://app@db/app' });
 *   await using broker = new Broker(engine);
 */
export async function openPostgresEngine(options: PostgresEngineOptions): Promise<PostgresEngine> {
  const engine = new PostgresEngine(options);
  try {
    return await engine.open();
  } catch (err) {
    await engine.close();
    throw err;
  }
}
