/**
 * Storing messages in queues, as two Lua functions so that several scripts can share them: the
 * queue's own send and a topic's publish, and a stream consumer's commit (which publishes in the
 * same atomic step as its offsets). `planInsert` reads and checks everything and writes nothing;
 * `applyInsert` writes. A script calls every plan it needs before its first write, because Redis
 * does not roll back a script that fails halfway.
 *
 * An insert block in the argument array `A` at `pos`: the entry count E, then E entries of 11
 * fields (id, type, kind, body, headers, hasKey, key, dedupId, contentHash, ts, delay), then for
 * each entry a count and that many queue names.
 */
export const insertFunctions = `
local function planInsert(A, pos)
  local E = tonumber(A[pos])
  local F = 11
  local base = pos + 1
  local targets = {}
  local at = base + E * F
  local queues = {}
  for i = 1, E do
    local n = tonumber(A[at]); at = at + 1
    local list = {}
    for j = 1, n do
      local name = A[at]; at = at + 1
      if not queues[name] then queues[name] = requireq(name) end
      list[j] = name
    end
    targets[i] = list
  end
  -- Refusals first: nothing is stored unless every entry can be.
  for i = 1, E do
    local o = base + (i - 1) * F
    for _, name in ipairs(targets[i]) do
      if queues[name].fifo == '1' then
        if A[o + 5] ~= '1' then fail('FIFO_KEY', name) end
        if A[o + 10] ~= '' then fail('FIFO_DELAY', name) end
      end
    end
  end
  return {A = A, E = E, F = F, base = base, targets = targets, queues = queues}, at
end

-- Returns, per entry, how many queues stored it, and (for the first queue) the id it is stored
-- under and 1 if it was a duplicate.
local function applyInsert(plan)
  local A = plan.A
  local out = {}
  local woken = {}
  for i = 1, plan.E do
    local o = plan.base + (i - 1) * plan.F
    local stored, firstId, firstDup = 0, A[o], 0
    for j, name in ipairs(plan.targets[i]) do
      local q = plan.queues[name]
      local fifo = q.fifo == '1'
      local dedup = A[o + 7]
      if fifo and dedup == '' then dedup = A[o + 8] end
      local dup = nil
      if fifo then
        local ddx = qkey(name) .. ':ddx'
        local seen = redis.call('ZSCORE', ddx, dedup)
        if seen and tonumber(seen) > NOW then dup = redis.call('HGET', qkey(name) .. ':dd', dedup) end
        for _, old in ipairs(redis.call('ZRANGEBYSCORE', ddx, '-inf', NOW, 'LIMIT', 0, 10)) do
          redis.call('ZREM', ddx, old); redis.call('HDEL', qkey(name) .. ':dd', old)
        end
      end
      if dup then
        if j == 1 then firstId = dup; firstDup = 1 end
      else
        if fifo then
          redis.call('ZADD', qkey(name) .. ':ddx', NOW + tonumber(q.dedupWindowMs), dedup)
          redis.call('HSET', qkey(name) .. ':dd', dedup, A[o])
        end
        local seq = string.format('%016d', redis.call('INCR', P .. ':seq'))
        local delay = tonumber(q.delayMs)
        if A[o + 10] ~= '' then delay = tonumber(A[o + 10]) end
        local group = nil
        if fifo then group = A[o + 6] end
        redis.call('HSET', mkey(seq), 'q', name, 'id', A[o], 'type', A[o + 1], 'kind', A[o + 2], 'body', A[o + 3],
          'headers', A[o + 4], 'hasKey', A[o + 5], 'key', A[o + 6], 'dedup', (fifo and dedup) or A[o + 7], 'ts', A[o + 9],
          'enq', NOW, 'avail', NOW + delay, 'lease', '', 'rcv', 0, 'fg', (fifo and '1') or '0', 'grp', group or '', 'src', '', 'err', '')
        link(name, q, seq, NOW + delay, group)
        stored = stored + 1
        woken[name] = true
      end
    end
    out[i] = {stored, firstId, firstDup}
  end
  for name in pairs(woken) do wake(name) end
  return out
end
`;
