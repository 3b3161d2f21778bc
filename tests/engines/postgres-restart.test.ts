import { test } from 'node:test';
import { openPostgresEngine } from '@switchyard/postgres';
import { postgresAvailable, postgresSkipReason } from '../support/postgres.js';
import { restartRun } from './restart-run.js';
import { startRestartablePostgres } from './restartable.js';

test('postgres: a server crash and restart mid-run loses no acknowledged send and resurrects no acked message', { timeout: 120_000 }, async (t) => {
  if (!postgresAvailable()) return t.skip(postgresSkipReason);
  const server = await startRestartablePostgres();
  try {
    const r = await restartRun({ server, messages: 1500, open: () => openPostgresEngine({ url: server.url, schema: 'restart', poolSize: 4 }) });
    t.diagnostic(`resolved sends: ${r.beforeRestart} before, ${r.afterRestart} after the restart; ${r.failedSends} rejected during the outage`);
  } finally {
    await server.stop();
  }
});
