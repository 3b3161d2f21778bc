/**
 * Lua shared by the stream scripts (after prelude.ts). Key layout, per stream S (names are
 * letters, digits, `.`, `_`, `-`, so the `:` separators cannot be forged):
 *
 * - `P:streams` hash: name → createdAt (the catalog).
 * - `P:s:S` hash: partitions, maxAge and maxBytes ('' for none), createdAt, rr (the next keyless
 *   record's partition), and the retention counters byAge, bySize, uncommitted.
 * - `P:s:S:p:N` a Redis Stream: partition N's log. A record at offset O has the entry id `O-1`, so
 *   XRANGE from `O` reads from an offset and `XTRIM MINID O` removes the offsets below O.
 *   Fields, always in this order (records.ts decodes them by position): at (appendedAt), mts
 *   (running maximum of timestamps), cum (bytes appended to the partition up to and including
 *   this record), id, type, kind, hk (has key), key, ts, headers, body.
 * - `P:s:S:parts` hash: per partition N the fields `N:s` start, `N:e` end, `N:b` bytes held,
 *   `N:t` bytes ever appended, `N:ts` greatest timestamp ever, `N:at` last appendedAt. Missing
 *   fields read as 0 (a new partition).
 * - `P:s:S:groups` set of group names; per group G the keys of group-prelude.ts.
 *
 * appendedAt never goes backwards within a partition (it is the later of the clock and the
 * previous record's), so retention by age can binary-search it; cum and mts never decrease
 * either, which is what retention by size and offsetForTimestamp search.
 */
export const streamPrelude = `
-- Exact decimal text of an integer (concatenation would use %.14g and round big ones).
local function fmt(x) return string.format('%d', x) end

local function skey(s) return P .. ':s:' .. s end
local function pkey(s, p) return P .. ':s:' .. s .. ':p:' .. p end
local function partskey(s) return P .. ':s:' .. s .. ':parts' end
local function groupskey(s) return P .. ':s:' .. s .. ':groups' end
local function gkey(s, g) return P .. ':s:' .. s .. ':g:' .. g end
local function swake(s) wake('stream:' .. s) end

local function requireStream(name)
  local s = hgetall(skey(name))
  if not s then fail('STREAM_NOT_FOUND', name) end
  return s
end

local function checkPartition(name, n, text)
  local p = tonumber(text)
  if not p or p < 0 or p >= n or p ~= math.floor(p) then fail('PARTITION_OUT_OF_RANGE', name .. '|' .. text .. '|' .. n) end
  return p
end

local function counters(name, p)
  local v = redis.call('HMGET', partskey(name), p .. ':s', p .. ':e', p .. ':b', p .. ':t', p .. ':ts', p .. ':at')
  return {p = p, s = tonumber(v[1]) or 0, e = tonumber(v[2]) or 0, b = tonumber(v[3]) or 0, t = tonumber(v[4]) or 0, ts = tonumber(v[5]), at = tonumber(v[6]) or 0}
end

local function checkOffset(name, c, off)
  if off < c.s or off > c.e then fail('OFFSET_OUT_OF_RANGE', name .. '|' .. c.p .. '|' .. fmt(off) .. '|' .. fmt(c.s) .. '|' .. fmt(c.e)) end
end

-- The fields of the record at offset off of partition p (it must exist), by name.
local function recordAt(name, p, off)
  local id = fmt(off) .. '-1'
  local row = redis.call('XRANGE', pkey(name, p), id, id)[1]
  local f = {}
  for i = 1, #row[2], 2 do f[row[2][i]] = row[2][i + 1] end
  return f
end

-- The first offset in [lo, hi) whose record's field is at least value (the field must never
-- decrease with the offset); hi when there is none.
local function firstAtLeast(name, p, lo, hi, field, value)
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if tonumber(recordAt(name, p, mid)[field]) >= value then hi = mid else lo = mid + 1 end
  end
  return lo
end

-- An append block in A at pos: stream name, entry count E, then E entries of 11 fields (id, type,
-- kind, body, headers, hasKey, key, ts, partition or '', key hash or '', size). Checks the stream
-- and every explicit partition; writes nothing. Returns the plan and the position after it.
local APPEND_FIELDS = 11
local function planAppend(A, pos)
  local name, E = A[pos], tonumber(A[pos + 1])
  local s = requireStream(name)
  local n = tonumber(s.partitions)
  local base = pos + 2
  for i = 1, E do
    local o = base + (i - 1) * APPEND_FIELDS
    if A[o + 8] ~= '' then checkPartition(name, n, A[o + 8]) end
  end
  return {A = A, name = name, n = n, E = E, base = base}, base + E * APPEND_FIELDS
end

-- Appends a planned block: the entry's partition, else its key hash modulo the partition count
-- (Kafka's partitioner; the hash is computed by the client), else the stream's round robin. Each
-- record takes its partition's end offset. Returns {partition, offset} per entry.
local function applyAppend(plan)
  local A, name, n = plan.A, plan.name, plan.n
  if plan.E == 0 then return {} end
  local rr0 = tonumber(redis.call('HGET', skey(name), 'rr')) or 0
  local rr = rr0
  local touched, order, out = {}, {}, {}
  for i = 1, plan.E do
    local o = plan.base + (i - 1) * APPEND_FIELDS
    local p
    if A[o + 8] ~= '' then p = tonumber(A[o + 8])
    elseif A[o + 9] ~= '' then p = tonumber(A[o + 9]) % n
    else p = rr % n; rr = rr + 1 end
    local c = touched[p]
    if not c then c = counters(name, p); touched[p] = c; order[#order + 1] = c end
    local off, size, ts = c.e, tonumber(A[o + 10]), tonumber(A[o + 7])
    c.e = off + 1
    c.at = math.max(c.at, NOW)
    c.t = c.t + size
    c.b = c.b + size
    if not c.ts or ts > c.ts then c.ts = ts end
    redis.call('XADD', pkey(name, p), fmt(off) .. '-1', 'at', fmt(c.at), 'mts', fmt(c.ts), 'cum', fmt(c.t),
      'id', A[o], 'type', A[o + 1], 'kind', A[o + 2], 'hk', A[o + 5], 'key', A[o + 6], 'ts', A[o + 7], 'headers', A[o + 4], 'body', A[o + 3])
    out[i] = {p, off}
  end
  for _, c in ipairs(order) do
    local p = c.p
    redis.call('HSET', partskey(name), p .. ':e', fmt(c.e), p .. ':b', fmt(c.b), p .. ':t', fmt(c.t), p .. ':ts', fmt(c.ts), p .. ':at', fmt(c.at))
  end
  if rr ~= rr0 then redis.call('HSET', skey(name), 'rr', rr % n) end
  swake(name)
  return out
end
`;
