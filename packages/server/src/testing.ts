import { Broker, systemClock, type Clock } from '@switchyard/core';
import { SqliteEngine } from '@switchyard/sqlite';
import { createApp, type App } from './app.js';
import type { Credentials } from './auth/credentials.js';
import { createMetrics } from './metrics.js';

/**
 * An in-memory broker behind the full HTTP app, for in-process tests with `fastify.inject`.
 * `clock` (default the system's) is the app's: the registry's leases run on it.
 */
export function testApp(credentials?: Credentials, options: { clock?: Clock } = {}): { app: App; broker: Broker; close(): Promise<void> } {
  const broker = new Broker(new SqliteEngine({ path: ':memory:' }));
  const app = createApp({ broker, metrics: createMetrics(broker), clock: options.clock ?? systemClock, ...(credentials ? { credentials } : {}) });
  return {
    app,
    broker,
    async close() {
      await app.close();
      await broker.close();
    },
  };
}
