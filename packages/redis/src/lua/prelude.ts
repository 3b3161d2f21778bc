/**
 * Lua shared by every script. Each script runs atomically in Redis, so a state change that
 * touches several keys (a message hash, its queue's sorted sets, a FIFO group list, counters)
 * is never seen half done. Conventions: ARGV[1] is the key prefix (a hash tag, `{name}`, so
 * every key of one broker lands in one cluster slot), ARGV[2] the engine's origin tag for
 * wake-ups, ARGV[3] the clock's `now` in epoch ms; a script's own arguments follow.
 *
 * Per queue `Q`: `P:q:Q` hash of settings and counters; `P:q:Q:vis` sorted set of every message
 * seq scored by visible_at (BLOCKED behind a FIFO group's head); `P:q:Q:exp` seqs by expiry;
 * `P:q:Q:g:G` the seqs of FIFO group G in order; `P:q:Q:dd`/`:ddx` dedup ids → message id and
 * expiry. Per message: `P:m:SEQ` hash. Seqs are zero-padded so equal scores order by seq.
 *
 * Refusals are error replies `SY_<CODE> detail`, mapped to typed errors by scripts.ts.
 */
export const prelude = `
local P = ARGV[1]
local ORIGIN = ARGV[2]
local NOW = tonumber(ARGV[3])
local BLOCKED = 9007199254740991
-- Lua's own number formatting (%.14g) would round it: range arguments use the exact text.
local BLOCKED_S = '9007199254740991'

local function qkey(q) return P .. ':q:' .. q end
local function viskey(q) return P .. ':q:' .. q .. ':vis' end
local function expkey(q) return P .. ':q:' .. q .. ':exp' end
local function grpkey(q, g) return P .. ':q:' .. q .. ':g:' .. g end
local function mkey(seq) return P .. ':m:' .. seq end

local function fail(code, detail) return error({err = 'SY_' .. code .. ' ' .. (detail or '')}) end

local function hgetall(key)
  local flat = redis.call('HGETALL', key)
  if #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

local function loadq(name) return hgetall(qkey(name)) end
local function requireq(name)
  local q = loadq(name)
  if not q then fail('QUEUE_NOT_FOUND', name) end
  return q
end

local function wake(q) redis.call('PUBLISH', P .. ':wake', ORIGIN .. ':' .. q) end

-- Makes the oldest message of a FIFO group its head: deliverable from its own availability time.
local function promote(qname, g)
  local head = redis.call('LINDEX', grpkey(qname, g), 0)
  if not head then return false end
  local score = redis.call('ZSCORE', viskey(qname), head)
  if not score or tonumber(score) ~= BLOCKED then return false end
  local avail = tonumber(redis.call('HGET', mkey(head), 'avail'))
  redis.call('ZADD', viskey(qname), math.max(avail, NOW), head)
  wake(qname)
  return true
end

-- Takes a message out of its queue's indexes (not the hash), keeping its FIFO group consistent.
local function unlink(qname, seq, m)
  redis.call('ZREM', viskey(qname), seq)
  redis.call('ZREM', expkey(qname), seq)
  if m.fg == '1' then
    redis.call('LREM', grpkey(qname, m.grp), 1, seq)
    promote(qname, m.grp)
  end
end

-- Puts a message (hash already written) into a queue's indexes, behind its FIFO group if any.
local function link(qname, q, seq, visible, group)
  if group then
    if redis.call('LLEN', grpkey(qname, group)) > 0 then visible = BLOCKED end
    redis.call('RPUSH', grpkey(qname, group), seq)
  end
  redis.call('ZADD', viskey(qname), visible, seq)
  redis.call('ZADD', expkey(qname), NOW + tonumber(q.ret), seq)
end

-- Drops messages past retention, counting them on the queue.
local function dropExpired(qname)
  local seqs = redis.call('ZRANGEBYSCORE', expkey(qname), '-inf', NOW, 'LIMIT', 0, 1000)
  for _, seq in ipairs(seqs) do
    local m = hgetall(mkey(seq))
    if m then unlink(qname, seq, m) else redis.call('ZREM', viskey(qname), seq); redis.call('ZREM', expkey(qname), seq) end
    redis.call('DEL', mkey(seq))
  end
  if #seqs > 0 then redis.call('HINCRBY', qkey(qname), 'expired', #seqs) end
  return #seqs
end

-- Moves a message to its queue's dead-letter queue in place, recording why in its headers.
local function toDeadLetter(qname, q, seq, m, reason, err)
  if not q.dlq or q.dlq == '' then fail('NO_DEAD_LETTER_QUEUE', qname) end
  local d = requireq(q.dlq)
  local headers = {}
  if m.headers and m.headers ~= '' then headers = cjson.decode(m.headers) end
  headers['dead-letter-reason'] = reason
  headers['dead-letter-source'] = qname
  headers['dead-letter-attempts'] = m.rcv
  headers['dead-letter-at'] = tostring(NOW)
  if err then headers['dead-letter-error'] = err else headers['dead-letter-error'] = nil end
  unlink(qname, seq, m)
  local group = nil
  local fg = '0'
  if d.fifo == '1' then group = m.key or ''; fg = '1' end
  redis.call('HSET', mkey(seq), 'q', q.dlq, 'src', qname, 'headers', cjson.encode(headers), 'lease', '', 'rcv', 0,
    'err', err or '', 'enq', NOW, 'avail', NOW, 'fg', fg, 'grp', group or '')
  link(q.dlq, d, seq, NOW, group)
  redis.call('HINCRBY', qkey(qname), 'deadLettered', 1)
  wake(q.dlq)
end

-- Finds the message a receipt leases: nil when it is gone; refuses foreign or ended leases.
local function leased(qname, qid, seq, lease)
  local q = requireq(qname)
  if q.id ~= qid then fail('INVALID_RECEIPT', 'it was issued by another queue') end
  local m = hgetall(mkey(seq))
  if not m then return q, nil end
  local score = redis.call('ZSCORE', viskey(qname), seq)
  if m.q ~= qname or m.lease ~= lease or not score or tonumber(score) <= NOW then fail('RECEIPT_EXPIRED', qname) end
  return q, m
end

local function usedUp(q, m)
  return q.dlq and q.dlq ~= '' and tonumber(m.rcv) >= tonumber(q.maxReceives)
end
`;
