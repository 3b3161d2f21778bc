import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assignPartitions, type AssignmentStrategy } from '@switchyard/core';
import { Redis } from 'ioredis';
import { redisAvailable, redisSkipReason, startRedis, type RedisServer } from '../../../../tests/support/redis.js';
import { assignorFunctions } from './assignor.js';

/** Runs the Lua assignor as the rebalance does: members sorted by idBefore, current owners by partition. */
const runLua = `
local members = cjson.decode(ARGV[2])
local current = {}
for p, owner in pairs(cjson.decode(ARGV[3])) do current[tonumber(p)] = owner end
table.sort(members, idBefore)
local n = tonumber(ARGV[4])
local out = assignPartitions(ARGV[1], n, members, current)
local flat = {}
for p = 0, n - 1 do flat[p + 1] = out[p] or '' end
return flat
`;

/** A tiny deterministic generator, so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const pool = ['a', 'b', 'B', 'a-1', 'a_1', 'Z9', 'member-0', 'member-10', 'member-9', 'm.x', 'ü', 'é'];

if (!redisAvailable()) {
  void describe('lua assignors', () => void it('match core', (t) => t.skip(redisSkipReason)));
} else {
  let server: RedisServer | undefined;
  let redis: Redis | undefined;
  before(async () => {
    server = await startRedis();
    redis = new Redis((server as RedisServer).url);
  });
  after(async () => {
    await redis?.quit();
    await server?.stop();
  });

  void describe('lua assignors', () => {
    it('assign exactly as core does, for both strategies, on 400 random groups', async () => {
      const next = random(42);
      const pick = (n: number) => Math.floor(next() * n);
      for (let round = 0; round < 400; round++) {
        const strategy: AssignmentStrategy = round % 2 === 0 ? 'sticky' : 'range';
        const partitions = 1 + pick(24);
        const members = pool.filter(() => next() < 0.4);
        // Owners from before the rebalance, some of whom have left, some partitions unowned.
        const current = new Map<number, string>();
        for (let p = 0; p < partitions; p++) if (next() < 0.8) current.set(p, pool[pick(pool.length)] as string);
        const expected = assignPartitions(strategy, partitions, members, current);
        const got = (await (redis as Redis).eval(assignorFunctions + runLua, 0, strategy, JSON.stringify(members), JSON.stringify(Object.fromEntries(current)), partitions)) as string[];
        const want = Array.from({ length: partitions }, (_, p) => expected.get(p) ?? '');
        assert.deepEqual(got, want, `round ${round}: ${strategy}, ${partitions} partitions, members ${JSON.stringify(members)}, current ${JSON.stringify([...current])}`);
      }
    });
  });
}
