import { after, before, describe, it } from 'node:test';
import { runConformance, StoreKeys } from '@switchyard/testkit';
import { SettledClock } from '../../../tests/engines/settled-clock.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisServer } from '../../../tests/support/redis.js';
import { openRedisEngine } from './index.js';

/** The conformance suite against a private redis-server; each case gets its own key prefix. */
if (!redisAvailable()) {
  void describe('switchyard conformance: redis', () => {
    void it('runs against a real Redis server', (t) => t.skip(redisSkipReason));
  });
} else {
  let server: RedisServer | undefined;
  before(async () => {
    server = await startRedis();
  });
  after(() => server?.stop());
  let n = 0;
  const prefixes = new StoreKeys<string>();
  runConformance({
    name: 'redis',
    clock: () => new SettledClock(),
    open: async ({ clock }) => {
      if (!server) throw new Error('redis-server did not start');
      const prefix = `conformance-${process.pid}-${n++}`;
      const engine = await openRedisEngine({ url: server.url, prefix, clock });
      if (clock instanceof SettledClock) clock.engine = engine;
      return prefixes.remember(engine, prefix);
    },
    peer: ({ clock, engine }) => openRedisEngine({ url: server?.url ?? '', prefix: prefixes.of(engine), clock }),
  });
}
