// The admission script (see limit-scripts.ts for how the governance scripts are run). Every
// key it touches is under one key's hash tag, and time comes from Redis (`TIME`).

/**
 * Admit a batch of requests of one key, in order, in ONE call: each admission is checked
 * and taken all or nothing (budgets read only, concurrency lease, the rpm and tpm windows)
 * exactly as if the admissions ran one after the other, and the whole batch is atomic, so N
 * pods that batch their own requests still share one exact limit. The limiter sends the
 * admissions of one key that arrived in the same event-loop turn.
 *
 * The rpm and tpm windows are one hash of per-bucket counters (a bucket = 1/60 of the
 * window: one second of a minute), not a log of every admission: memory and work per call
 * stay constant whatever the traffic (a log of a key at 10k req/s held 600k entries per
 * window). An admission counts from its bucket until that bucket has left the window, so
 * it counts for the window plus at most one bucket: never more than the limit in any
 * window, and a refused caller is told when enough buckets leave.
 *   `r<b>` / `t<b>`  requests / tokens admitted in bucket b (b = floor(ms / bucket))
 *   `_r` / `_t`      the sums over the buckets in the window
 *   `_o`             the oldest bucket that may still hold counts
 *
 * Budgets are checked against what is spent plus what requests in flight have reserved: each
 * admission reserves its estimated cost (`reserve`, nano-USD) in the key's reservations zset
 * (member `<member>|<nano-USD>` → lease expiry) and their sum, both released when its real
 * spend is written (ACCOUNT_ONCE_LUA), or when its lease runs out (a pod that died).
 *
 * KEYS: 1 window hash, 2 concurrency zset (member → lease expiry ms),
 *       3 spend hash of today, 4 spend hash of this month, 5 reservations zset, 6 reserved sum
 * After the batch, the pod may ask for a lease (a slice of the key's capacity it then spends
 * locally, see limits.ts): `s` requests and `t` tokens counted in this bucket, `c` concurrency
 * slots (members `<lease id>.<i>`), `m` nano-USD reserved as one member `<lease id>|<m>`. It is
 * granted all or nothing, and only when each part is at most a quarter of what the key has
 * left after the batch: near a limit a pod admits per request, as without leases. A lease
 * asked within `ahead` ms of its bucket's end is counted in the next bucket instead, and lasts
 * until that one ends: its requests count from a later bucket than the one they run in, so
 * for longer, never shorter (the pod asks ahead so that its requests do not wait for a new
 * lease when the bucket turns). Every pass over the buckets therefore runs to b + 1.
 *
 * ARGV: 1 rpm (0 = none), 2 tpm (0 = none), 3 max concurrency (0 = none), 4 lease ms,
 *       5 window ms, 6 bucket ms, 7 daily budget USD (-1 = none), 8 monthly budget USD (-1 = none),
 *       9 lease id ('' = no lease asked), 10 s, 11 t, 12 c, 13 m, 14 ahead ms (0 = never ahead),
 *       then per admission: member, token estimate, cost reservation in nano-USD (0 = none)
 * Returns 5 values per admission, in order, then 9 values: the bucket the batch counts in
 * (its releases reconcile tokens there), the lease granted (1) or not (0), Redis' clock (ms),
 * what the key has left after all of it — requests, tokens, concurrency slots, nano-USD of
 * its tighter budget (-1 = no such limit) —, when the oldest count leaves the window (ms), and
 * the bucket the lease counts in (b, or b + 1 when asked ahead):
 *   0, rpmRemaining, rpmResetMs, tpmRemaining, tpmResetMs                  admitted
 *   1, 'requests'|'tokens'|'concurrency'|'too_large', retryMs, used, 0    rate limited
 *   2, 'daily'|'monthly', spent, reserved by others, this reservation     over budget (micro-USD);
 *      reserved = -1: spent already reaches the budget
 */
export const ADMIT_BATCH_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rpm, tpm, conc = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local lease, win, g = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local bd, bm = tonumber(ARGV[7]), tonumber(ARGV[8])
local n = (#ARGV - 14) / 3
local b = math.floor(now / g)
local out = {}

-- Budgets: spent (read once for the batch) plus what requests in flight reserved, in nano-USD.
local budgets = bd >= 0 or bm >= 0
local spentD, spentM, reserved = 0, 0, 0
local nano = function(usd) return math.floor(usd * 1e9 + 0.5) end
if budgets then
  -- Spend in nano-USD (cost_nusd), plus the USD cost of hashes written before it (usage-scripts.ts).
  local spent = function(k)
    local v = redis.call('HMGET', k, 'cost_nusd', 'cost')
    return tonumber(v[1] or '0') + nano(tonumber(v[2] or '0'))
  end
  if bd >= 0 then spentD = spent(KEYS[3]) bd = nano(bd) end
  if bm >= 0 then spentM = spent(KEYS[4]) bm = nano(bm) end
  -- Reservations past their lease belong to requests of a pod that died: take them off.
  local gone = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now)
  if #gone > 0 then
    local freed = 0
    for _, m in ipairs(gone) do freed = freed + tonumber(string.match(m, '|(%d+)$')) end
    redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
    redis.call('DECRBY', KEYS[6], freed)
  end
  reserved = tonumber(redis.call('GET', KEYS[6]) or '0')
  -- Nothing held, or a sum gone wrong (keys lost to eviction): the zset is the truth.
  if reserved ~= 0 and (reserved < 0 or redis.call('ZCARD', KEYS[5]) == 0) then
    reserved = 0
    redis.call('DEL', KEYS[6])
  end
end
local micro = function(v) return math.floor(v / 1000) end
-- nil when admission i fits the budgets; else its refusal (5 values).
local function overBudget(need)
  if bd >= 0 and spentD >= bd then return { 2, 'daily', micro(spentD), -1, micro(need) } end
  if bm >= 0 and spentM >= bm then return { 2, 'monthly', micro(spentM), -1, micro(need) } end
  if bd >= 0 and spentD + reserved + need > bd then return { 2, 'daily', micro(spentD), micro(reserved), micro(need) } end
  if bm >= 0 and spentM + reserved + need > bm then return { 2, 'monthly', micro(spentM), micro(reserved), micro(need) } end
  return nil
end

-- Expire once for the batch (one clock for all of it), then keep the counts up to date in
-- Lua as admissions are taken: the same answers as one script call per admission.
local inflight = 0
if conc > 0 then
  -- Leases past their expiry belong to requests of a pod that died: reclaim them.
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  inflight = redis.call('ZCARD', KEYS[2])
end
local windows = rpm > 0 or tpm > 0
-- Buckets lo..b are inside the window: bucket i leaves it at (i + 1) * g + win.
local lo = math.floor((now - win) / g)
local used, total, oldest = 0, 0, nil
local swept = false
if windows then
  local st = redis.call('HMGET', KEYS[1], '_o', '_r', '_t')
  oldest, used, total = tonumber(st[1]), tonumber(st[2]) or 0, tonumber(st[3]) or 0
  if oldest and oldest < lo then
    swept = true
    if b - oldest > 2 * math.ceil(win / g) + 2 then
      -- \`_o\` was inside the window at the last write, so that write (the newest bucket) is
      -- more than a window old too: every bucket has left it.
      redis.call('DEL', KEYS[1])
      oldest, used, total = nil, 0, 0
    else
      -- Take the buckets that left the window out of the sums; the first one still in it is the new oldest.
      local f = {}
      for i = oldest, b + 1 do f[#f + 1] = 'r' .. i f[#f + 1] = 't' .. i end
      local v = redis.call('HMGET', KEYS[1], unpack(f))
      local del, first = {}, oldest
      oldest = nil
      for i = 0, b + 1 - first do
        local r, tk = v[2 * i + 1], v[2 * i + 2]
        if r or tk then
          local bi = first + i
          if bi >= lo then oldest = bi break end
          used = used - (tonumber(r) or 0)
          total = total - (tonumber(tk) or 0)
          del[#del + 1] = 'r' .. bi
          del[#del + 1] = 't' .. bi
        end
      end
      if #del > 0 then redis.call('HDEL', KEYS[1], unpack(del)) end
      if used < 0 then used = 0 end
      if total < 0 then total = 0 end
    end
  end
end

-- When enough of the window leaves it to free \`need\` of field kind \`kind\` ('r' or 't').
local function retryAfter(kind, need)
  if not oldest then return g end
  local f = {}
  for i = oldest, b + 1 do f[#f + 1] = kind .. i end
  local v = redis.call('HMGET', KEYS[1], unpack(f))
  local freed = 0
  for i = 1, #v do
    freed = freed + (tonumber(v[i]) or 0)
    if freed >= need then return math.max(1, (oldest + i) * g + win - now) end
  end
  return math.max(1, (b + 2) * g + win - now)
end

-- Taken admissions are written together at the end (or before a refusal reads the window).
local concAdd, resvAdd = {}, {}
local leaseEnd = tostring(now + lease)
local pending, pendingTok, pendingResv, taken = 0, 0, 0, 0
local function write()
  if pending == 0 then return end
  if windows then redis.call('HINCRBY', KEYS[1], 'r' .. b, pending) end
  if tpm > 0 then redis.call('HINCRBY', KEYS[1], 't' .. b, pendingTok) end
  if conc > 0 then redis.call('ZADD', KEYS[2], unpack(concAdd, 1, 2 * pending)) end
  if #resvAdd > 0 then
    redis.call('ZADD', KEYS[5], unpack(resvAdd))
    redis.call('INCRBY', KEYS[6], pendingResv)
    resvAdd = {}
  end
  pending, pendingTok, pendingResv = 0, 0, 0
end

local o = 0
for i = 1, n do
  local member, est, need = ARGV[12 + 3 * i], tonumber(ARGV[13 + 3 * i]), tonumber(ARGV[14 + 3 * i])
  local budgetRefusal = budgets and overBudget(need) or nil
  if budgetRefusal then
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = unpack(budgetRefusal)
  elseif conc > 0 and inflight >= conc then
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 1, 'concurrency', 1000, inflight, 0
  elseif rpm > 0 and used >= rpm then
    write()
    -- The (used - rpm + 1) oldest admissions must leave the window before the next fits.
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 1, 'requests', retryAfter('r', used - rpm + 1), used, 0
  elseif tpm > 0 and est > tpm then
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 1, 'too_large', 0, total, 0
  elseif tpm > 0 and total + est > tpm then
    write()
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 1, 'tokens', retryAfter('t', total + est - tpm), total, 0
  else
    if windows and (not oldest or b < oldest) then oldest = b end
    -- Reset: when the oldest admission counted (maybe this one) leaves the window.
    local reset = windows and ((oldest + 1) * g + win - now) or 0
    local rpmRemaining, rpmReset, tpmRemaining, tpmReset = -1, 0, -1, 0
    pending = pending + 1
    taken = taken + 1
    used = used + 1
    if rpm > 0 then rpmRemaining, rpmReset = rpm - used, reset end
    if tpm > 0 then
      total = total + est
      pendingTok = pendingTok + est
      tpmRemaining, tpmReset = tpm - total, reset
    end
    if conc > 0 then
      inflight = inflight + 1
      concAdd[2 * pending - 1], concAdd[2 * pending] = leaseEnd, member
    end
    if budgets and need > 0 then
      reserved = reserved + need
      pendingResv = pendingResv + need
      resvAdd[#resvAdd + 1] = leaseEnd
      resvAdd[#resvAdd + 1] = member .. '|' .. need
    end
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 0, rpmRemaining, rpmReset, tpmRemaining, tpmReset
  end
  o = o + 5
end

write()

-- The lease: all or nothing, each part at most a quarter of what is left.
local granted = 0
local lid = ARGV[9]
local lb = b
if lid ~= '' then
  if (b + 1) * g - now <= tonumber(ARGV[14]) then lb = b + 1 end
  local ls, lt, lc, lm = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
  local ok = ls >= 1
  if ok and rpm > 0 and 4 * ls > rpm - used then ok = false end
  if ok and tpm > 0 and 4 * lt > tpm - total then ok = false end
  if ok and conc > 0 and 4 * lc > conc - inflight then ok = false end
  if ok and budgets and lm > 0 then
    if bd >= 0 and 4 * lm > bd - spentD - reserved then ok = false end
    if bm >= 0 and 4 * lm > bm - spentM - reserved then ok = false end
  end
  if ok then
    granted = 1
    taken = taken + 1
    if windows then
      if not oldest or lb < oldest then oldest = lb end
      used = used + ls
      redis.call('HINCRBY', KEYS[1], 'r' .. lb, ls)
    end
    if tpm > 0 and lt > 0 then
      total = total + lt
      redis.call('HINCRBY', KEYS[1], 't' .. lb, lt)
    end
    if conc > 0 and lc > 0 then
      local z = {}
      for i = 1, lc do z[2 * i - 1], z[2 * i] = leaseEnd, lid .. '.' .. i end
      redis.call('ZADD', KEYS[2], unpack(z))
      inflight = inflight + lc
    end
    if budgets and lm > 0 then
      redis.call('ZADD', KEYS[5], leaseEnd, lid .. '|' .. lm)
      redis.call('INCRBY', KEYS[6], lm)
      reserved = reserved + lm
    end
  end
end

if windows and (taken > 0 or swept) then
  if oldest then
    redis.call('HSET', KEYS[1], '_o', oldest, '_r', used, '_t', total)
    -- The hash outlives its newest bucket by the window: then every bucket has left it.
    redis.call('PEXPIRE', KEYS[1], win + 2 * g)
  else
    redis.call('DEL', KEYS[1])
  end
end
if taken > 0 and conc > 0 then redis.call('PEXPIRE', KEYS[2], lease * 2) end
-- The sum has no expiry of its own: when the zset expires with nothing held, the check above resets it.
if budgets and taken > 0 then redis.call('PEXPIRE', KEYS[5], lease * 2) end
out[o + 1] = b
out[o + 2] = granted
out[o + 3] = now
out[o + 4] = rpm > 0 and rpm - used or -1
out[o + 5] = tpm > 0 and tpm - total or -1
out[o + 6] = conc > 0 and conc - inflight or -1
local left = -1
if budgets then
  if bd >= 0 then left = bd - spentD - reserved end
  if bm >= 0 and (left < 0 or bm - spentM - reserved < left) then left = bm - spentM - reserved end
  if left < 0 then left = 0 end
end
out[o + 7] = left
out[o + 8] = (windows and oldest) and ((oldest + 1) * g + win - now) or 0
out[o + 9] = lb
return out
`;
