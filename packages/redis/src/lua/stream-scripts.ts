/**
 * Stream state changes and reads, one Lua script each (stream-prelude.ts holds the key layout).
 * Every script validates before it writes: Redis does not roll back a script that fails halfway.
 */

/**
 * Creates a stream. ARGV[4..7] = name, partitions, maxAge, maxBytes ('' for none). Returns
 * {partitions, maxAge, maxBytes, createdAt} of the stream as stored (new or existing).
 */
export const createStreamLua = `
local name = ARGV[4]
local s = hgetall(skey(name))
if s then
  if s.partitions ~= ARGV[5] or s.maxAge ~= ARGV[6] or s.maxBytes ~= ARGV[7] then fail('STREAM_ALREADY_EXISTS', name) end
  return {s.partitions, s.maxAge, s.maxBytes, s.createdAt}
end
redis.call('HSET', skey(name), 'name', name, 'partitions', ARGV[5], 'maxAge', ARGV[6], 'maxBytes', ARGV[7], 'createdAt', fmt(NOW),
  'rr', 0, 'byAge', 0, 'bySize', 0, 'uncommitted', 0)
redis.call('HSET', P .. ':streams', name, fmt(NOW))
return {ARGV[5], ARGV[6], ARGV[7], fmt(NOW)}
`;

/**
 * Deletes stream ARGV[4] with its records, groups, offsets and state; wakes its readers (they
 * learn it is gone). The logs are UNLINKed: Redis frees their memory in the background. Returns
 * 0 when it did not exist.
 */
export const deleteStreamLua = `
local name = ARGV[4]
local s = hgetall(skey(name))
if not s then return 0 end
local n = tonumber(s.partitions)
for p = 0, n - 1 do redis.call('UNLINK', pkey(name, p)) end
for _, group in ipairs(redis.call('SMEMBERS', groupskey(name))) do
  local gk = gkey(name, group)
  redis.call('DEL', gk, gk .. ':mem', gk .. ':sess', gk .. ':rep', gk .. ':own', gk .. ':off')
  for p = 0, n - 1 do redis.call('DEL', gk .. ':st:' .. p) end
end
redis.call('DEL', skey(name), partskey(name), groupskey(name))
redis.call('HDEL', P .. ':streams', name)
swake(name)
return 1
`;

/** Appends an append block (see stream-prelude.ts) at ARGV[4]. Returns {partition, offset} per entry. */
export const appendLua = `
return applyAppend((planAppend(ARGV, 4)))
`;

/**
 * Reads stream ARGV[4]: at most ARGV[5] records, from the (partition, offset) pairs that follow.
 * Every position is checked first, so a bad one fails the whole read. The partitions with
 * records share the maximum: each gets an equal share first, then whatever the others left, so
 * one deep backlog cannot starve the rest. Returns {partition, XRANGE rows} per range read.
 */
export const readLua = `
local name, max = ARGV[4], tonumber(ARGV[5])
local s = requireStream(name)
local n = tonumber(s.partitions)
local cursors, seen = {}, {}
for i = 6, #ARGV, 2 do
  local p = checkPartition(name, n, ARGV[i])
  local off = tonumber(ARGV[i + 1])
  local c = counters(name, p)
  checkOffset(name, c, off)
  if not seen[p] then
    seen[p] = true
    if off < c.e then cursors[#cursors + 1] = {p = p, off = off, e = c.e} end
  end
end
local out, count = {}, 0
local share = math.max(1, math.ceil(max / math.max(1, #cursors)))
for _, pass in ipairs({share, max}) do
  for _, c in ipairs(cursors) do
    local limit = math.min(pass, max - count, c.e - c.off)
    if limit > 0 then
      local rows = redis.call('XRANGE', pkey(name, c.p), fmt(c.off) .. '-1', '+', 'COUNT', limit)
      out[#out + 1] = {c.p, rows}
      count = count + #rows
      c.off = c.off + #rows
    end
  end
end
return out
`;

/**
 * Where the partitions of stream ARGV[4] begin and end. Returns {byAge, bySize, uncommitted,
 * then start, end, bytes per partition}.
 */
export const offsetsLua = `
local name = ARGV[4]
local s = requireStream(name)
local out = {tonumber(s.byAge), tonumber(s.bySize), tonumber(s.uncommitted)}
for p = 0, tonumber(s.partitions) - 1 do
  local c = counters(name, p)
  out[#out + 1] = c.s; out[#out + 1] = c.e; out[#out + 1] = c.b
end
return out
`;

/**
 * The first offset of partition ARGV[5] of stream ARGV[4], in log order, whose record has a
 * timestamp at or after ARGV[6]; -1 for none. A binary search on the running maximum finds the
 * first record whose running maximum reaches the timestamp, which is the answer unless that
 * maximum came from records retention removed: only possible at the log's start, and then the
 * records after it are scanned.
 */
export const offsetForTimestampLua = `
local name, T = ARGV[4], tonumber(ARGV[6])
local s = requireStream(name)
local p = checkPartition(name, tonumber(s.partitions), ARGV[5])
local c = counters(name, p)
local lo = firstAtLeast(name, p, c.s, c.e, 'mts', T)
if lo >= c.e then return -1 end
if tonumber(recordAt(name, p, lo).ts) >= T then return lo end
local from = lo + 1
while from < c.e do
  local rows = redis.call('XRANGE', pkey(name, p), fmt(from) .. '-1', '+', 'COUNT', 200)
  if #rows == 0 then break end
  for _, row in ipairs(rows) do
    -- ts is the ninth field (see stream-prelude.ts).
    if tonumber(row[2][18]) >= T then return tonumber(string.match(row[1], '^(%d+)')) end
  end
  from = from + #rows
end
return -1
`;

/**
 * Applies retention to stream ARGV[4], removing at most ARGV[5] records per partition ('' for
 * no limit). Age retention removes the oldest records older than maxAge but stops at the lowest
 * offset a live group (one with an unexpired member) has not committed; size retention then
 * removes the oldest records while the partition holds more than maxBytes, regardless of
 * groups, counting those past that offset as uncommitted. Returns what this pass removed:
 * {byAge, bySize, uncommitted}.
 */
export const trimLua = `
local name = ARGV[4]
local chunk = tonumber(ARGV[5]) or math.huge
local s = requireStream(name)
local n = tonumber(s.partitions)
local maxAge, maxBytes = tonumber(s.maxAge), tonumber(s.maxBytes)
local byAge, bySize, uncommitted = 0, 0, 0
if not maxAge and not maxBytes then return {0, 0, 0} end
local live = {}
for _, group in ipairs(redis.call('SMEMBERS', groupskey(name))) do
  local gk = gkey(name, group)
  if isLive(gk) then live[#live + 1] = gk end
end

-- Removes the records before cut and moves the partition's start there. Returns how many went.
local function removePrefix(c, cut)
  if cut <= c.s then return 0 end
  local removed = cut - c.s
  c.b = c.t - tonumber(recordAt(name, c.p, cut - 1).cum)
  c.s = cut
  redis.call('XTRIM', pkey(name, c.p), 'MINID', fmt(cut))
  redis.call('HSET', partskey(name), c.p .. ':s', fmt(c.s), c.p .. ':b', fmt(c.b))
  return removed
end

for p = 0, n - 1 do
  local c = counters(name, p)
  if c.s < c.e then
    -- The lowest offset a live group still needs: its committed offset, or the start.
    local protect = math.huge
    for _, gk in ipairs(live) do
      local v = redis.call('HGET', gk .. ':off', p)
      local off = c.s
      if v then off = tonumber(string.match(v, '^(%d+)')) end
      protect = math.min(protect, off)
    end
    local limit = math.min(c.e, c.s + chunk)
    if maxAge then
      local young = firstAtLeast(name, p, c.s, limit, 'at', NOW - maxAge)
      byAge = byAge + removePrefix(c, math.min(young, protect, limit))
    end
    if maxBytes and c.b > maxBytes then
      local from = c.s
      local cut = math.min(firstAtLeast(name, p, c.s, c.e, 'cum', c.t - maxBytes) + 1, limit)
      bySize = bySize + removePrefix(c, cut)
      uncommitted = uncommitted + math.max(0, cut - math.max(from, protect))
    end
  end
end
if byAge + bySize > 0 then
  redis.call('HINCRBY', skey(name), 'byAge', byAge)
  redis.call('HINCRBY', skey(name), 'bySize', bySize)
  redis.call('HINCRBY', skey(name), 'uncommitted', uncommitted)
end
return {byAge, bySize, uncommitted}
`;
