import { test } from 'node:test';
import { openRedisEngine } from '@switchyard/redis';
import { redisAvailable, redisSkipReason } from '../support/redis.js';
import { restartRun } from './restart-run.js';
import { startRestartableRedis } from './restartable.js';

test('redis: a server crash and restart mid-run loses no acknowledged send and resurrects no acked message', { timeout: 120_000 }, async (t) => {
  if (!redisAvailable()) return t.skip(redisSkipReason);
  const server = await startRestartableRedis();
  try {
    const r = await restartRun({ server, messages: 1500, open: () => openRedisEngine({ url: server.url, prefix: 'restart' }) });
    t.diagnostic(`resolved sends: ${r.beforeRestart} before, ${r.afterRestart} after the restart; ${r.failedSends} rejected during the outage`);
  } finally {
    await server.stop();
  }
});
