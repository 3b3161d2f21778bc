import { Broker, systemClock } from '@switchyard/core';
import { SqliteEngine } from '@switchyard/sqlite';
import { createApp, type App } from './app.js';
import type { Credentials } from './auth/credentials.js';
import { createMetrics } from './metrics.js';

/** An in-memory broker behind the full HTTP app, for in-process tests with `fastify.inject`. */
export function testApp(credentials?: Credentials): { app: App; broker: Broker; close(): Promise<void> } {
  const broker = new Broker(new SqliteEngine({ path: ':memory:' }));
  const app = createApp({ broker, metrics: createMetrics(broker), clock: systemClock, ...(credentials ? { credentials } : {}) });
  return {
    app,
    broker,
    async close() {
      await app.close();
      await broker.close();
    },
  };
}
