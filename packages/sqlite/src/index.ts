import { Broker, type BrokerOptions } from '@switchyard/core';
import { SqliteEngine } from './engine.js';
import type { SqliteEngineOptions } from './options.js';

export { SqliteEngine } from './engine.js';
export type { Durability, SqliteEngineOptions } from './options.js';

/** Opens the embedded engine on a file (or ':memory:'). */
export function openSqliteEngine(options: SqliteEngineOptions = {}): Promise<SqliteEngine> {
  return Promise.resolve().then(() => new SqliteEngine(options));
}

export type OpenBrokerOptions = SqliteEngineOptions & Omit<BrokerOptions, 'clock'>;

/**
 * Opens a broker on the embedded engine: the zero-infrastructure default.
 *
 *   await using broker = await openBroker({ path: 'switchyard.db' })
 */
export async function openBroker(options: OpenBrokerOptions = {}): Promise<Broker> {
  const { maxMessageBytes, maxBatch, ...engineOptions } = options;
  const engine = await openSqliteEngine(engineOptions);
  const limits: BrokerOptions = { clock: engine.options.clock };
  if (maxMessageBytes !== undefined) limits.maxMessageBytes = maxMessageBytes;
  if (maxBatch !== undefined) limits.maxBatch = maxBatch;
  try {
    return new Broker(engine, limits);
  } catch (err) {
    await engine.close();
    throw err;
  }
}
