import { runConformance, StoreKeys } from '@switchyard/testkit';
import { SettledClock } from '../../../tests/engines/settled-clock.js';
import { onPrivateServer } from '../../../tests/support/private-server.js';
import { redisKind } from '../../../tests/support/redis.js';
import { openRedisEngine } from './index.js';

/** The conformance suite against a private redis-server; each case gets its own key prefix. */
onPrivateServer('switchyard conformance: redis', redisKind, (server) => {
  let n = 0;
  const prefixes = new StoreKeys<string>();
  runConformance({
    name: 'redis',
    clock: () => new SettledClock(),
    open: async ({ clock }) => {
      const prefix = `conformance-${process.pid}-${n++}`;
      const engine = await openRedisEngine({ url: server().url, prefix, clock });
      if (clock instanceof SettledClock) clock.engine = engine;
      return prefixes.remember(engine, prefix);
    },
    peer: ({ clock, engine }) => openRedisEngine({ url: server().url, prefix: prefixes.of(engine), clock }),
  });
});
