/**
 * A stream consumer's atomic step (see `CommitRequest`): offsets, keyed state, appends to
 * streams and publishes to topics in one script. It reads and checks everything first —
 * ownership under the member's generation, offsets, the output streams and partitions, the
 * topics and their subscriptions, the target queues — and only then writes, so a refused commit
 * stores nothing of its own (Redis does not roll a script back). Members it finds expired stay
 * removed, as in every group script (group-scripts.ts).
 *
 * ARGV[4..7] = stream, group, member, generation; then the offset count and (partition, offset)
 * pairs; the state change count and (partition, key, has value '1'/'0', value) quads; the append
 * count and that many append blocks (stream-prelude.ts); the topic count and the topic names;
 * and, when there are topics, an insert block (insert.ts) of every copy the publishes store and
 * the subscription version the client matched filters at. Returns 1, or -1 when the
 * subscriptions changed since (the client matches again and retries).
 */
export const commitLua = `
local name, group, member, gen = ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local s = requireStream(name)
local n = tonumber(s.partitions)
local pos = 8
local named, namedList = {}, {}
local function addNamed(p)
  if not named[p] then named[p] = true; namedList[#namedList + 1] = p end
end
local offsets = {}
local count = tonumber(ARGV[pos]); pos = pos + 1
for i = 1, count do
  local p = checkPartition(name, n, ARGV[pos])
  offsets[i] = {p, tonumber(ARGV[pos + 1])}
  addNamed(p)
  pos = pos + 2
end
local state = {}
count = tonumber(ARGV[pos]); pos = pos + 1
for i = 1, count do
  local p = checkPartition(name, n, ARGV[pos])
  state[i] = {p, ARGV[pos + 1], ARGV[pos + 2], ARGV[pos + 3]}
  addNamed(p)
  pos = pos + 4
end

local gk = gkey(name, group)
local g = findGroup(name, group)
if not g then notOwner(name, group, member, namedList[1] or 0) end
if gen > g.gen then fail('GENERATION', group .. '|' .. fmt(g.gen)) end
expire(name, n, gk, g)
for _, p in ipairs(namedList) do
  local v = redis.call('HGET', gk .. ':own', p)
  if not v then notOwner(name, group, member, p) end
  local since, owner = parseOwner(v)
  if owner ~= member or since > gen then notOwner(name, group, member, p) end
end
for _, o in ipairs(offsets) do
  local c = counters(name, o[1])
  if o[2] < 0 or o[2] > c.e then fail('OFFSET_OUT_OF_RANGE', name .. '|' .. o[1] .. '|' .. fmt(o[2]) .. '|' .. fmt(c.s) .. '|' .. fmt(c.e)) end
end

local appends = {}
count = tonumber(ARGV[pos]); pos = pos + 1
for i = 1, count do appends[i], pos = planAppend(ARGV, pos) end
local topics = tonumber(ARGV[pos])
local insert = nil
if topics > 0 then
  for i = 1, topics do
    if redis.call('HEXISTS', P .. ':topics', ARGV[pos + i]) == 0 then fail('TOPIC_NOT_FOUND', ARGV[pos + i]) end
  end
  if (redis.call('GET', P .. ':subver') or '0') ~= ARGV[#ARGV] then return -1 end
  insert = planInsert(ARGV, pos + topics + 1)
end

for _, o in ipairs(offsets) do redis.call('HSET', gk .. ':off', o[1], fmt(o[2]) .. ':' .. fmt(NOW)) end
for _, c in ipairs(state) do
  if c[3] == '1' then redis.call('HSET', gk .. ':st:' .. c[1], c[2], c[4])
  else redis.call('HDEL', gk .. ':st:' .. c[1], c[2]) end
end
for _, a in ipairs(appends) do applyAppend(a) end
if insert then applyInsert(insert) end
return 1
`;
