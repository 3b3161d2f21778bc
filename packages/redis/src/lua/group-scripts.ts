/**
 * Consumer-group state changes, one Lua script each (group-prelude.ts holds the key layout).
 * Membership replies are those of `membership` in group-prelude.ts.
 *
 * A refusal that comes after expiry keeps the expiry: removing members whose session ran out
 * is a change of its own, which the next look would make anyway.
 */

/**
 * Joins member ARGV[6] to group ARGV[5] of stream ARGV[4] (creating the group on first join),
 * with session ARGV[7] ms, strategy ARGV[8] and start ARGV[9], and rebalances. A rejoin under
 * the same id is a new incarnation: its ownerships start afresh (fencing the old one) and it is
 * told all it owns as gained.
 */
export const joinGroupLua = `
local name, group, member, session, strategy, start = ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8], ARGV[9]
local s = requireStream(name)
local n = tonumber(s.partitions)
local gk = gkey(name, group)
local g = findGroup(name, group)
if not g then
  redis.call('HSET', gk, 'strategy', strategy, 'start', start, 'gen', 0, 'createdAt', fmt(NOW))
  redis.call('SADD', groupskey(name), group)
  if start == 'latest' then
    -- "Latest" means records appended after the group was created, whoever reads them first.
    for p = 0, n - 1 do redis.call('HSET', gk .. ':off', p, fmt(counters(name, p).e) .. ':' .. fmt(NOW)) end
  end
  g = findGroup(name, group)
end
expire(name, n, gk, g)
if strategy ~= g.strategy then
  if redis.call('ZCARD', gk .. ':mem') > 0 then fail('GROUP_STRATEGY', group .. '|' .. g.strategy) end
  redis.call('HSET', gk, 'strategy', strategy)
  g.strategy = strategy
end
redis.call('ZADD', gk .. ':mem', NOW + session, member)
redis.call('HSET', gk .. ':sess', member, session)
redis.call('HDEL', gk .. ':rep', member)
rebalance(name, n, gk, g)
for _, o in ipairs(ownershipsOf(gk, member)) do redis.call('HSET', gk .. ':own', o[1], fmt(g.gen) .. ':' .. member) end
return membership(gk, g, member)
`;

/** Renews member ARGV[6] of group ARGV[5] of stream ARGV[4] for another session and tells it what it owns. */
export const heartbeatLua = `
local name, group, member = ARGV[4], ARGV[5], ARGV[6]
local s = requireStream(name)
local gk = gkey(name, group)
local g = findGroup(name, group)
if not g then fail('UNKNOWN_MEMBER', name .. '|' .. group .. '|' .. member) end
expire(name, tonumber(s.partitions), gk, g)
local session = redis.call('HGET', gk .. ':sess', member)
if not session or not redis.call('ZSCORE', gk .. ':mem', member) then fail('UNKNOWN_MEMBER', name .. '|' .. group .. '|' .. member) end
redis.call('ZADD', gk .. ':mem', NOW + tonumber(session), member)
return membership(gk, g, member)
`;

/** Removes member ARGV[6] of group ARGV[5] of stream ARGV[4] and rebalances. Returns 0 when it was not a member. */
export const leaveGroupLua = `
local name, group, member = ARGV[4], ARGV[5], ARGV[6]
local s = requireStream(name)
local n = tonumber(s.partitions)
local gk = gkey(name, group)
local g = findGroup(name, group)
if not g then return 0 end
expire(name, n, gk, g)
if not redis.call('ZSCORE', gk .. ':mem', member) then return 0 end
forget(gk, member)
rebalance(name, n, gk, g)
return 1
`;

/**
 * Group ARGV[5] of stream ARGV[4], after expiry: {strategy, start, generation, {member,
 * expiresAt, partitions} per member by id, committed}; nil when there is no such group.
 */
export const describeGroupLua = `
local name, group = ARGV[4], ARGV[5]
local s = requireStream(name)
local gk = gkey(name, group)
local g = findGroup(name, group)
if not g then return false end
expire(name, tonumber(s.partitions), gk, g)
local flat = redis.call('ZRANGE', gk .. ':mem', 0, -1, 'WITHSCORES')
local members = {}
for i = 1, #flat, 2 do members[#members + 1] = {flat[i], tonumber(flat[i + 1])} end
table.sort(members, function(a, b) return idBefore(a[1], b[1]) end)
local out = {}
for i, m in ipairs(members) do
  local parts = {}
  for j, o in ipairs(ownershipsOf(gk, m[1])) do parts[j] = o[1] end
  out[i] = {m[1], m[2], parts}
end
return {g.strategy, g.start, g.gen, out, committedOf(gk)}
`;

/** The committed offsets of group ARGV[5] of stream ARGV[4]: {partition, offset, committedAt} rows. */
export const committedLua = `
local name, group = ARGV[4], ARGV[5]
requireStream(name)
return committedOf(gkey(name, group))
`;

/** The keyed state of group ARGV[5] of stream ARGV[4] for partition ARGV[6]: HGETALL's flat reply. */
export const loadStateLua = `
local name, group = ARGV[4], ARGV[5]
local s = requireStream(name)
local p = checkPartition(name, tonumber(s.partitions), ARGV[6])
return redis.call('HGETALL', gkey(name, group) .. ':st:' .. p)
`;
