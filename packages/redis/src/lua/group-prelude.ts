/**
 * Lua shared by the consumer-group scripts (after prelude.ts, stream-prelude.ts and
 * assignor.ts). Per group G of stream S, with `GK` = `P:s:S:g:G`:
 *
 * - `GK` hash: strategy, start, gen (the generation), createdAt.
 * - `GK:mem` sorted set: member id → expiresAt (engine clock); `GK:sess` hash: member id →
 *   session timeout; `GK:rep` hash: member id → the ownerships last reported to it
 *   (`partition:since,…`), from which heartbeats compute what it gained and lost.
 * - `GK:own` hash: partition → `since:member`, the owner and the generation its ownership began.
 * - `GK:off` hash: partition → `offset:committedAt`.
 * - `GK:st:N` hash: the keyed state of partition N, key → value.
 *
 * Every change of membership bumps the generation and reassigns the partitions in the same
 * script. Expiry is judged on the clock's NOW by whichever group script looks next.
 */
export const groupPrelude = `
local function parseOwner(v)
  local since, owner = string.match(v, '^(%d+):(.*)$')
  return tonumber(since), owner
end

local function findGroup(name, group)
  local g = hgetall(gkey(name, group))
  if g then g.gen = tonumber(g.gen) end
  return g
end

-- Bumps the generation and gives every partition to one live member, by the group's strategy.
-- A partition whose owner changes starts an ownership at the new generation.
local function rebalance(name, n, gk, g)
  g.gen = redis.call('HINCRBY', gk, 'gen', 1)
  local members = redis.call('ZRANGE', gk .. ':mem', 0, -1)
  table.sort(members, idBefore)
  local current = {}
  local flat = redis.call('HGETALL', gk .. ':own')
  for i = 1, #flat, 2 do
    local _, owner = parseOwner(flat[i + 1])
    current[tonumber(flat[i])] = owner
  end
  local nextOwners = assignPartitions(g.strategy, n, members, current)
  for p = 0, n - 1 do
    local owner = nextOwners[p]
    if owner ~= current[p] then
      if owner == nil then redis.call('HDEL', gk .. ':own', p)
      else redis.call('HSET', gk .. ':own', p, fmt(g.gen) .. ':' .. owner) end
    end
  end
end

local function forget(gk, member)
  redis.call('ZREM', gk .. ':mem', member)
  redis.call('HDEL', gk .. ':sess', member)
  redis.call('HDEL', gk .. ':rep', member)
end

-- Removes the members whose session ran out and rebalances if any did.
local function expire(name, n, gk, g)
  local gone = redis.call('ZRANGEBYSCORE', gk .. ':mem', '-inf', NOW)
  if #gone == 0 then return end
  for _, member in ipairs(gone) do forget(gk, member) end
  rebalance(name, n, gk, g)
end

-- A group has a live member when one's session has not run out (expired ones may not be removed yet).
local function isLive(gk)
  return redis.call('ZCOUNT', gk .. ':mem', '(' .. fmt(NOW), '+inf') > 0
end

-- The partitions a member owns, ascending, as {partition, since} pairs.
local function ownershipsOf(gk, member)
  local flat = redis.call('HGETALL', gk .. ':own')
  local mine = {}
  for i = 1, #flat, 2 do
    local since, owner = parseOwner(flat[i + 1])
    if owner == member then mine[#mine + 1] = {tonumber(flat[i]), since} end
  end
  table.sort(mine, function(a, b) return a[1] < b[1] end)
  return mine
end

-- What the member owns now, and what changed since the last answer it was given (then
-- remembered). Ownerships are compared with the generation they began at, so a partition lost
-- and regained in between shows up as both lost and gained.
-- Reply: {member, generation, partitions, ownedSince, gained, lost}.
local function membership(gk, g, member)
  local mine = ownershipsOf(gk, member)
  local reported = {}
  for p, since in string.gmatch(redis.call('HGET', gk .. ':rep', member) or '', '(%d+):(%d+)') do reported[tonumber(p)] = tonumber(since) end
  local parts, sinces, gained, lost, current, text = {}, {}, {}, {}, {}, {}
  for i, o in ipairs(mine) do
    parts[i] = o[1]; sinces[i] = o[2]; current[o[1]] = o[2]
    text[i] = fmt(o[1]) .. ':' .. fmt(o[2])
    if reported[o[1]] ~= o[2] then gained[#gained + 1] = o[1] end
  end
  for p, since in pairs(reported) do
    if current[p] ~= since then lost[#lost + 1] = p end
  end
  table.sort(lost)
  if #gained > 0 or #lost > 0 then redis.call('HSET', gk .. ':rep', member, table.concat(text, ',')) end
  return {member, g.gen, parts, sinces, gained, lost}
end

local function committedOf(gk)
  local flat = redis.call('HGETALL', gk .. ':off')
  local out = {}
  for i = 1, #flat, 2 do
    local off, at = string.match(flat[i + 1], '^(%d+):(%d+)$')
    out[#out + 1] = {tonumber(flat[i]), tonumber(off), tonumber(at)}
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

local function notOwner(name, group, member, p)
  fail('NOT_PARTITION_OWNER', name .. '|' .. group .. '|' .. p .. '|' .. member)
end
`;
