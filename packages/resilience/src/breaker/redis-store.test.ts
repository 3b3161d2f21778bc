import { ManualClock } from '@switchyard/core';
import { Redis } from 'ioredis';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { redisSkipReason, startRedis } from '../../../../tests/support/redis.js';
import { BrokenCircuitError } from '../errors.js';
import { CircuitBreakerPolicy } from './circuit-breaker.js';
import { ConsecutiveBreaker } from './consecutive.js';
import { RedisBreakerStateStore } from './redis-store.js';
import { SharedBreakerSync } from './shared.js';

const server = await startRedis();
const clients: Redis[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.quit()));
  await server?.stop();
});

function client(): Redis {
  const c = new Redis({ host: server!.host, port: server!.port, maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
}

test('redis store: each publish gets the next version and read returns the latest', async (t) => {
  if (!server) return t.skip(redisSkipReason);
  const store = new RedisBreakerStateStore(client(), { prefix: `test:${randomUUID()}:` });
  assert.equal(await store.read('svc'), undefined);
  assert.equal(await store.publish('svc', { state: 'open', at: 1000 }), 1);
  assert.equal(await store.publish('svc', { state: 'closed', at: 2000 }), 2);
  assert.deepEqual(await store.read('svc'), { state: 'closed', at: 2000, version: 2 });
});

test('redis store: two processes share one circuit through Redis', async (t) => {
  if (!server) return t.skip(redisSkipReason);
  const clock = new ManualClock();
  const prefix = `test:${randomUUID()}:`;
  const make = () => {
    const policy = new CircuitBreakerPolicy({ breaker: new ConsecutiveBreaker(3), halfOpenAfterMs: 5000, clock });
    const sync = new SharedBreakerSync(policy, new RedisBreakerStateStore(client(), { prefix }), { name: 'inventory', pollMs: 1000, clock });
    return { policy, sync };
  };
  const a = make();
  const b = make();
  for (let i = 0; i < 3; i++) await assert.rejects(a.policy.execute(() => Promise.reject(new Error('down'))));
  await a.sync.flush();
  await b.sync.pollNow();
  await assert.rejects(b.policy.execute(() => 'x'), BrokenCircuitError);

  await clock.advance(5000);
  await b.sync.pollNow();
  assert.equal(await b.policy.execute(() => 'recovered'), 'recovered');
  await b.sync.flush();
  await a.sync.pollNow();
  assert.equal(a.policy.state, 'closed');
  await Promise.all([a.sync.close(), b.sync.close()]);
});
