import { test } from 'node:test';
import { openNatsEngine } from '@switchyard/nats';
import { natsSkipReason, startNats } from '../support/nats.js';
import { restartRun } from './restart-run.js';

for (const hard of [false, true]) {
  const how = hard ? 'killed (SIGKILL)' : 'stopped (SIGTERM)';
  // nats-server 2.9 writes consumer ack state lazily and cannot be told to sync each write
  // (`sync_interval: always` arrived in 2.10), so after a restart — a SIGKILL, and now and then a
  // SIGTERM — it can deliver again a message whose ack it had confirmed. The engine remembers the
  // sequences it acked (RecentAcks) and acks such a delivery again instead of handing it out, which
  // is what this run (one engine across the restart) checks; an engine in another process would not know.
  // An ack held up by the restart can also be confirmed while the restarted server's redelivery of
  // the same message is being leased: the lease checks RecentAcks once more before it hands out a batch.
  test(`nats: a server ${how} and restarted mid-run loses no acknowledged send and resurrects no acked message`, { timeout: 180_000 }, async (t) => {
    const server = await startNats();
    if (!server) return t.skip(natsSkipReason);
    try {
      const bounce = { restart: () => server.restart({ hard }) };
      const r = await restartRun({ server: bounce, messages: 1500, open: () => openNatsEngine({ servers: server.url, prefix: 'restart' }) });
      t.diagnostic(`resolved sends: ${r.beforeRestart} before, ${r.afterRestart} after the restart; ${r.failedSends} rejected during the outage`);
    } finally {
      await server.stop();
    }
  });
}
