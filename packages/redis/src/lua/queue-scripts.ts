/**
 * The queue's state changes, one Lua script each (prelude.ts holds the helpers and key layout).
 * Every script validates before it writes: Redis does not roll back a script that fails halfway.
 */
import { insertFunctions } from './insert.js';

/**
 * Stores entries in queues: an insert block (see insert.ts) at ARGV[4]. Returns, per entry, how
 * many queues stored it, and (for the first queue) the id it is stored under and 1 if it was a
 * duplicate.
 */
export const insertLua = `${insertFunctions}
return applyInsert((planInsert(ARGV, 4)))
`;

/**
 * Leases up to ARGV[5] ready messages of queue ARGV[4] for ARGV[6] ms ('' for the queue's
 * visibility timeout) with token ARGV[7].
 * Expired messages are dropped and used-up ones dead-lettered instead. Returns
 * {nextVisibleAt or -1, queue id, {seq, hash fields...}...}.
 */
export const leaseLua = `
local qname = ARGV[4]
local max = tonumber(ARGV[5])
local lease = ARGV[7]
local q = requireq(qname)
local untilAt = NOW + tonumber(q.visibilityMs)
if ARGV[6] ~= '' then untilAt = NOW + tonumber(ARGV[6]) end
dropExpired(qname)
local out = {}
local taken = 0
-- With a zero visibility timeout the messages just leased are still ready: each pass reads past
-- them (they are at most \`taken\` of its \`max\`) and leaves them out.
local zero = untilAt <= NOW
local mine = {}
while taken < max do
  local want = max - taken
  if zero then want = max end
  local seqs = redis.call('ZRANGEBYSCORE', viskey(qname), '-inf', NOW, 'LIMIT', 0, want)
  local moved = false
  for _, seq in ipairs(seqs) do
    if taken >= max then break end
    if not (zero and mine[seq]) then
      if zero then mine[seq] = true end
      moved = true
      local m = hgetall(mkey(seq))
      if usedUp(q, m) then
        local err = m.err
        if err == '' then err = 'the lease ended without an ack' end
        toDeadLetter(qname, q, seq, m, 'max-receives', err)
      else
        local rcv = tonumber(m.rcv) + 1
        redis.call('HSET', mkey(seq), 'lease', lease, 'rcv', rcv)
        redis.call('ZADD', viskey(qname), untilAt, seq)
        taken = taken + 1
        out[#out + 1] = {seq, m.id, m.type, m.kind, m.body, m.headers, m.hasKey, m.key, m.dedup, m.ts, m.enq, rcv}
      end
    end
  end
  if not moved then break end
end
local nextAt = -1
if taken == 0 then
  local n = redis.call('ZRANGEBYSCORE', viskey(qname), '(' .. NOW, '(' .. BLOCKED_S, 'WITHSCORES', 'LIMIT', 0, 1)
  if #n > 0 then nextAt = n[2] end
end
return {nextAt, q.id, out}
`;

/** Nack. ARGV[4..9] = queue, queue id, seq, lease, delay, error ('' none). */
export const releaseLua = `
local qname, seq = ARGV[4], ARGV[6]
local q, m = leased(qname, ARGV[5], seq, ARGV[7])
if not m then fail('RECEIPT_EXPIRED', qname) end
local err = nil
if ARGV[9] ~= '' then err = ARGV[9] end
if usedUp(q, m) then
  if not err and m.err ~= '' then err = m.err end
  toDeadLetter(qname, q, seq, m, 'max-receives', err)
  return 1
end
redis.call('HSET', mkey(seq), 'lease', '')
if err then redis.call('HSET', mkey(seq), 'err', err) end
redis.call('ZADD', viskey(qname), NOW + tonumber(ARGV[8]), seq)
wake(qname)
return 1
`;

/** Heartbeat. ARGV[4..8] = queue, queue id, seq, lease, visibility ms. */
export const extendLua = `
local qname, seq = ARGV[4], ARGV[6]
local q, m = leased(qname, ARGV[5], seq, ARGV[7])
if not m then fail('RECEIPT_EXPIRED', qname) end
redis.call('ZADD', viskey(qname), NOW + tonumber(ARGV[8]), seq)
if tonumber(ARGV[8]) == 0 then wake(qname) end
return 1
`;

/** Poison. ARGV[4..8] = queue, queue id, seq, lease, error ('' none). */
export const deadLetterLua = `
local qname, seq = ARGV[4], ARGV[6]
local q, m = leased(qname, ARGV[5], seq, ARGV[7])
if not m then fail('RECEIPT_EXPIRED', qname) end
if not q.dlq or q.dlq == '' then fail('NO_DEAD_LETTER_QUEUE', qname) end
local err = nil
if ARGV[8] ~= '' then err = ARGV[8] end
toDeadLetter(qname, q, seq, m, 'poison', err)
return 1
`;

/**
 * Acks several messages of queue ARGV[4] (id ARGV[5]): then seq, lease pairs. Unlike the single
 * scripts it does not stop at a bad receipt: per receipt it returns 1 (deleted, or already
 * gone), 'expired' or 'invalid', so one stale receipt does not fail the others of its batch.
 */
export const removeManyLua = `
local qname, qid = ARGV[4], ARGV[5]
local q = requireq(qname)
local out = {}
for i = 6, #ARGV, 2 do
  local seq, lease = ARGV[i], ARGV[i + 1]
  if q.id ~= qid then
    out[#out + 1] = 'invalid'
  else
    local m = hgetall(mkey(seq))
    if not m then
      out[#out + 1] = 1
    else
      local score = redis.call('ZSCORE', viskey(qname), seq)
      if m.q ~= qname or m.lease ~= lease or not score or tonumber(score) <= NOW then
        out[#out + 1] = 'expired'
      else
        unlink(qname, seq, m)
        redis.call('DEL', mkey(seq))
        out[#out + 1] = 1
      end
    end
  end
end
return out
`;
