/**
 * Core's partition assignors (packages/core/src/streams/assignors.ts) ported to Lua, so that a
 * rebalance happens inside the script that changes the membership: a join, leave or expiry and
 * the new assignment are one atomic step, with no read–compute–write round trip to retry. The
 * port follows core line by line; assignor.test.ts checks it against core on random inputs.
 *
 * Member ids are compared byte by byte (UTF-8 order): Lua's own `<` on strings follows the
 * server's locale. This agrees with core's JavaScript sort for every id without characters
 * beyond U+FFFF.
 */
export const assignorFunctions = `
local function idBefore(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- Kafka's RangeAssignor: sorted members take consecutive ranges; the first n % m one more.
local function assignRange(n, members)
  local out = {}
  local m = #members
  if m == 0 then return out end
  local base, extra = math.floor(n / m), n % m
  local p = 0
  for i, id in ipairs(members) do
    local count = base
    if i - 1 < extra then count = count + 1 end
    for _ = 1, count do out[p] = id; p = p + 1 end
  end
  return out
end

-- Balanced like range, moving as few partitions as it can (see core's assignSticky).
local function assignSticky(n, members, current)
  local out = {}
  local m = #members
  if m == 0 then return out end
  local owned = {}
  for _, id in ipairs(members) do owned[id] = {} end
  for p = 0, n - 1 do
    local owner = current[p]
    if owner and owned[owner] then table.insert(owned[owner], p) end
  end
  local base, extra = math.floor(n / m), n % m
  local byHolding = {}
  for i, id in ipairs(members) do byHolding[i] = id end
  table.sort(byHolding, function(a, b)
    if #owned[a] ~= #owned[b] then return #owned[a] > #owned[b] end
    return idBefore(a, b)
  end)
  local quota = {}
  for i, id in ipairs(byHolding) do
    quota[id] = base
    if i - 1 < extra then quota[id] = base + 1 end
  end
  local count = {}
  for _, id in ipairs(members) do
    local keep = 0
    for _, p in ipairs(owned[id]) do
      if keep < quota[id] then out[p] = id; keep = keep + 1 end
    end
    count[id] = keep
  end
  for p = 0, n - 1 do
    if not out[p] then
      local target = members[1]
      for _, id in ipairs(members) do
        if quota[id] - count[id] > quota[target] - count[target] then target = id end
      end
      out[p] = target
      count[target] = count[target] + 1
    end
  end
  return out
end

-- members: sorted with idBefore, no duplicates. current: partition → owner. Returns partition → owner.
local function assignPartitions(strategy, n, members, current)
  if strategy == 'range' then return assignRange(n, members) end
  return assignSticky(n, members, current)
end
`;
