import { after, describe, it } from 'node:test';
import { runConformance, StoreKeys } from '@switchyard/testkit';
import { SettledClock } from '../../../tests/engines/settled-clock.js';
import { natsSkipReason, startNats, type NatsServer } from '../../../tests/support/nats.js';
import { openNatsEngine } from './index.js';

// One server for the file; each case gets its own prefix, so its streams and KV bucket are its own.
let server: NatsServer | undefined;
let n = 0;
const prefixes = new StoreKeys<string>();

if (await startNatsOnce()) {
  runConformance({
    name: 'nats jetstream',
    // Streams keep time on the injected clock; queues ignore it (their time is the server's).
    clock: () => new SettledClock(),
    open: async ({ clock }) => {
      const prefix = `c${process.pid}x${n++}`;
      const engine = await openNatsEngine({ servers: server?.url ?? '', prefix, clock });
      if (clock instanceof SettledClock) clock.engine = engine;
      return prefixes.remember(engine, prefix);
    },
    peer: ({ clock, engine }) => openNatsEngine({ servers: server?.url ?? '', prefix: prefixes.of(engine), clock }),
  });
} else {
  void describe('switchyard conformance: nats jetstream', () => {
    void it('runs against a real nats-server', (t) => t.skip(natsSkipReason));
  });
}

async function startNatsOnce(): Promise<boolean> {
  server = await startNats();
  return server !== undefined;
}

after(async () => {
  await server?.stop();
});
