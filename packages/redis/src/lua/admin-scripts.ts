/** Queue and topic definitions, inspection and redrive, one Lua script each (see prelude.ts). */

/**
 * Creates a queue. ARGV[4..11] = name, fifo, visibilityMs, delayMs, retentionMs, dlq ('' none),
 * maxReceives, dedupWindowMs. Returns 1 when created, 0 when it existed with the same settings.
 */
export const createQueueLua = `
local name = ARGV[4]
local want = {fifo = ARGV[5], visibilityMs = ARGV[6], delayMs = ARGV[7], ret = ARGV[8], dlq = ARGV[9], maxReceives = ARGV[10], dedupWindowMs = ARGV[11]}
local q = loadq(name)
if q then
  for k, v in pairs(want) do
    if q[k] ~= v then fail('QUEUE_ALREADY_EXISTS', name) end
  end
  return 0
end
if want.dlq ~= '' then
  local d = requireq(want.dlq)
  if d.fifo ~= want.fifo then fail('DLQ_KIND', want.fifo) end
end
local id = redis.call('INCR', P .. ':qid')
redis.call('HSET', qkey(name), 'id', id, 'name', name, 'createdAt', NOW, 'deadLettered', 0, 'expired', 0)
for k, v in pairs(want) do redis.call('HSET', qkey(name), k, v) end
redis.call('HSET', P .. ':queues', name, id)
return 1
`;

/** Changes settings. ARGV[4] = name, then field/value pairs; a dlq change comes as dlq + maxReceives. */
export const updateQueueLua = `
local name = ARGV[4]
local q = requireq(name)
for i = 5, #ARGV, 2 do
  if ARGV[i] == 'dlq' and ARGV[i + 1] ~= '' then
    if ARGV[i + 1] == name then fail('DLQ_SELF', name) end
    local d = requireq(ARGV[i + 1])
    if d.fifo ~= q.fifo then fail('DLQ_KIND', q.fifo) end
  end
end
for i = 5, #ARGV, 2 do redis.call('HSET', qkey(name), ARGV[i], ARGV[i + 1]) end
return 1
`;

/** Deletes a queue with its messages and subscriptions. ARGV[4] = name. Returns 0 when absent. */
export const deleteQueueLua = `
local name = ARGV[4]
local q = loadq(name)
if not q then return 0 end
local users = {}
for _, other in ipairs(redis.call('HKEYS', P .. ':queues')) do
  if redis.call('HGET', qkey(other), 'dlq') == name then users[#users + 1] = other end
end
table.sort(users)
if #users > 0 then fail('QUEUE_IN_USE', name .. '|' .. table.concat(users, ', ')) end
local groups = {}
for _, seq in ipairs(redis.call('ZRANGE', viskey(name), 0, -1)) do
  local g = redis.call('HMGET', mkey(seq), 'fg', 'grp')
  if g[1] == '1' then groups[g[2]] = true end
  redis.call('DEL', mkey(seq))
end
for g in pairs(groups) do redis.call('DEL', grpkey(name, g)) end
redis.call('DEL', viskey(name), expkey(name), qkey(name), qkey(name) .. ':dd', qkey(name) .. ':ddx')
redis.call('HDEL', P .. ':queues', name)
for _, topic in ipairs(redis.call('HKEYS', P .. ':topics')) do redis.call('HDEL', P .. ':t:' .. topic .. ':subs', name) end
redis.call('INCR', P .. ':subver')
wake(name)
return 1
`;

/** Deletes every message of queue ARGV[4]; returns how many. */
export const purgeLua = `
local name = ARGV[4]
requireq(name)
local seqs = redis.call('ZRANGE', viskey(name), 0, -1)
local groups = {}
for _, seq in ipairs(seqs) do
  local g = redis.call('HMGET', mkey(seq), 'fg', 'grp')
  if g[1] == '1' then groups[g[2]] = true end
  redis.call('DEL', mkey(seq))
end
for g in pairs(groups) do redis.call('DEL', grpkey(name, g)) end
redis.call('DEL', viskey(name), expkey(name))
return #seqs
`;

/** Counts by state after dropping expired messages. ARGV[4] = name. */
export const statsLua = `
local name = ARGV[4]
requireq(name)
dropExpired(name)
local ready = redis.call('ZCOUNT', viskey(name), '-inf', NOW)
local blocked = redis.call('ZCOUNT', viskey(name), BLOCKED_S, BLOCKED_S)
local leasedN, delayed = 0, 0
for _, seq in ipairs(redis.call('ZRANGEBYSCORE', viskey(name), '(' .. NOW, '(' .. BLOCKED_S)) do
  if redis.call('HGET', mkey(seq), 'lease') ~= '' then leasedN = leasedN + 1 else delayed = delayed + 1 end
end
local oldest = -1
for _, seq in ipairs(redis.call('ZRANGE', viskey(name), 0, -1)) do
  local enq = tonumber(redis.call('HGET', mkey(seq), 'enq'))
  if oldest < 0 or enq < oldest then oldest = enq end
end
local c = redis.call('HMGET', qkey(name), 'deadLettered', 'expired')
return {ready, leasedN, delayed, blocked, oldest, tonumber(c[1]), tonumber(c[2])}
`;

/**
 * Browses in delivery order (visible_at, seq). ARGV[4] = name, ARGV[5] = max + 1, ARGV[6..7] =
 * the cursor's score and seq ('' for the first page). Returns {score, seq, fields...} rows.
 */
export const peekLua = `
local name = ARGV[4]
local want = tonumber(ARGV[5])
requireq(name)
dropExpired(name)
local min = '-inf'
if ARGV[6] ~= '' then min = ARGV[6] end
local out = {}
local offset = 0
while #out < want do
  local page = redis.call('ZRANGEBYSCORE', viskey(name), min, '+inf', 'WITHSCORES', 'LIMIT', offset, 200)
  if #page == 0 then break end
  offset = offset + #page / 2
  for i = 1, #page, 2 do
    local seq, score = page[i], page[i + 1]
    if ARGV[6] == '' or tonumber(score) > tonumber(ARGV[6]) or seq > ARGV[7] then
      local m = hgetall(mkey(seq))
      out[#out + 1] = {score, seq, m.id, m.type, m.kind, m.body, m.headers, m.hasKey, m.key, m.dedup, m.ts, m.enq, m.rcv, m.lease}
      if #out >= want then break end
    end
  end
end
return out
`;

/**
 * Moves up to ARGV[6] messages with seq > ARGV[5] out of dead-letter queue ARGV[4], back to
 * their source or to ARGV[7] (''), ready now, receive count reset, dead-letter headers removed.
 * Returns {moved, skipped, last seq looked at, done}.
 */
export const redriveLua = `
local name, cursor, limit, to = ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7]
local dlq = requireq(name)
local all = redis.call('ZRANGE', viskey(name), 0, -1)
table.sort(all)
local picked = {}
for _, seq in ipairs(all) do
  if seq > cursor then picked[#picked + 1] = seq end
  if #picked >= limit then break end
end
local moved, skipped, last = 0, 0, cursor
local strip = {'dead-letter-reason', 'dead-letter-source', 'dead-letter-attempts', 'dead-letter-error', 'dead-letter-at'}
for _, seq in ipairs(picked) do
  last = seq
  local m = hgetall(mkey(seq))
  local destName = to
  if destName == '' then destName = m.src end
  local dest = nil
  if destName ~= '' then dest = loadq(destName) end
  if not dest or dest.fifo ~= dlq.fifo then
    skipped = skipped + 1
  else
    local headers = {}
    if m.headers ~= '' then headers = cjson.decode(m.headers) end
    for _, h in ipairs(strip) do headers[h] = nil end
    local text = ''
    if next(headers) ~= nil then text = cjson.encode(headers) end
    unlink(name, seq, m)
    local group = nil
    local fg = '0'
    if dest.fifo == '1' then group = m.key or ''; fg = '1' end
    redis.call('HSET', mkey(seq), 'q', destName, 'src', '', 'headers', text, 'lease', '', 'rcv', 0, 'err', '',
      'enq', NOW, 'avail', NOW, 'fg', fg, 'grp', group or '')
    link(destName, dest, seq, NOW, group)
    wake(destName)
    moved = moved + 1
  end
end
local done = 0
if #picked < limit then done = 1 end
return {moved, skipped, last, done}
`;

/** Replaces or adds a subscription. ARGV[4..7] = topic, queue, filter JSON (''), new id. */
export const subscribeLua = `
local topic, queue = ARGV[4], ARGV[5]
if redis.call('HEXISTS', P .. ':topics', topic) == 0 then fail('TOPIC_NOT_FOUND', topic) end
requireq(queue)
local key = P .. ':t:' .. topic .. ':subs'
local old = redis.call('HGET', key, queue)
local sub = {id = ARGV[7], createdAt = NOW}
if old then sub = cjson.decode(string.match(old, '^[^\\n]*')) end
local text = cjson.encode({id = sub.id, createdAt = sub.createdAt, queue = queue})
-- The filter is kept as the client's own JSON text, so Lua never re-encodes it.
redis.call('HSET', key, queue, text .. '\\n' .. ARGV[6])
redis.call('INCR', P .. ':subver')
return redis.call('HGET', key, queue)
`;

/** Removes subscription ARGV[5] of topic ARGV[4]; returns 1 when it existed. */
export const unsubscribeLua = `
local topic, id = ARGV[4], ARGV[5]
if redis.call('HEXISTS', P .. ':topics', topic) == 0 then fail('TOPIC_NOT_FOUND', topic) end
local key = P .. ':t:' .. topic .. ':subs'
local flat = redis.call('HGETALL', key)
for i = 1, #flat, 2 do
  local head = string.match(flat[i + 1], '^[^\\n]*')
  if cjson.decode(head).id == id then
    redis.call('HDEL', key, flat[i])
    redis.call('INCR', P .. ':subver')
    return 1
  end
end
return 0
`;

/** Deletes topic ARGV[4] and its subscriptions; returns 1 when it existed. */
export const deleteTopicLua = `
local topic = ARGV[4]
if redis.call('HDEL', P .. ':topics', topic) == 0 then return 0 end
redis.call('DEL', P .. ':t:' .. topic .. ':subs')
redis.call('INCR', P .. ':subver')
return 1
`;

/** Reads topic ARGV[4]'s subscriptions with the version they were read at: {exists, version, flat}. */
export const readSubscriptionsLua = `
local topic = ARGV[4]
local exists = redis.call('HEXISTS', P .. ':topics', topic)
local ver = redis.call('GET', P .. ':subver') or '0'
return {exists, ver, redis.call('HGETALL', P .. ':t:' .. topic .. ':subs')}
`;
