import type { RedisClient } from '@llmgw/core';

// The governance scripts. Each runs atomically in Redis, so N pods that share one Redis
// enforce one limit exactly: no read-then-write race between check and take. Every key a
// script touches is under one key's hash tag (`gw:rt:{k:<id>}:…`), so they are Cluster-safe.
// Time comes from Redis (`TIME`), not from the pods, so clock skew between pods does not
// bend the windows.

/**
 * Admit a batch of requests of one key, in order, in ONE call: each admission is checked
 * and taken all or nothing (budgets read only, concurrency lease, the rpm sliding log, the
 * tpm sliding window) exactly as if the admissions ran one after the other, and the whole
 * batch is atomic, so N pods that batch their own requests still share one exact limit.
 * The limiter sends the admissions of one key that arrived in the same event-loop turn.
 *
 * KEYS: 1 rpm zset (member → admit ms), 2 tpm zset (member → admit ms), 3 tpm hash
 *       (member → tokens, `_t` → total in window), 4 concurrency zset (member → lease expiry ms),
 *       5 spend hash of today, 6 spend hash of this month
 * ARGV: 1 rpm (0 = none), 2 tpm (0 = none), 3 max concurrency (0 = none), 4 lease ms,
 *       5 window ms, 6 daily budget (-1 = none), 7 monthly budget (-1 = none),
 *       then per admission: member, token estimate
 * Returns 5 values per admission, in order:
 *   0, rpmRemaining, rpmResetMs, tpmRemaining, tpmResetMs                  admitted
 *   1, 'requests'|'tokens'|'concurrency'|'too_large', retryMs, used, 0    rate limited
 *   2, 'daily'|'monthly', spentMicroUsd, 0, 0                             over budget
 */
export const ADMIT_BATCH_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rpm, tpm, conc = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local lease, win = tonumber(ARGV[4]), tonumber(ARGV[5])
local bd, bm = tonumber(ARGV[6]), tonumber(ARGV[7])
local n = (#ARGV - 7) / 2
local out = {}

-- Admissions spend nothing: one read of each budget answers the whole batch.
local over, spent = nil, 0
if bd >= 0 then
  local s = tonumber(redis.call('HGET', KEYS[5], 'cost') or '0')
  if s >= bd then over, spent = 'daily', s end
end
if not over and bm >= 0 then
  local s = tonumber(redis.call('HGET', KEYS[6], 'cost') or '0')
  if s >= bm then over, spent = 'monthly', s end
end
if over then
  for i = 1, n do
    local o = #out
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 2, over, math.floor(spent * 1000000), 0, 0
  end
  return out
end

-- Expire once for the batch (one clock for all of it), then keep the counts up to date in
-- Lua as admissions are taken: the same answers as one script call per admission.
local inflight = 0
if conc > 0 then
  -- Leases past their expiry belong to requests of a pod that died: reclaim them.
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  inflight = redis.call('ZCARD', KEYS[4])
end
local used, rpmFirst = 0, nil
if rpm > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)
  used = redis.call('ZCARD', KEYS[1])
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  rpmFirst = first[2] and tonumber(first[2])
end
local total, tpmFirst = 0, nil
if tpm > 0 then
  total = tonumber(redis.call('HGET', KEYS[3], '_t') or '0')
  local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - win)
  if #old > 0 then
    -- Expired admissions take their (reconciled) tokens out of the window total.
    for i = 1, #old, 500 do
      local part = {unpack(old, i, math.min(i + 499, #old))}
      local vals = redis.call('HMGET', KEYS[3], unpack(part))
      for _, v in ipairs(vals) do if v then total = total - tonumber(v) end end
      redis.call('HDEL', KEYS[3], unpack(part))
    end
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - win)
    if total < 0 then total = 0 end
    redis.call('HSET', KEYS[3], '_t', total)
  end
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  tpmFirst = first[2] and tonumber(first[2])
end

-- Taken admissions are written together at the end (or before a refusal reads the sets).
-- Scores go in as strings: redis.call would format a Lua number for every member.
local rpmAdd, tpmAdd, tokAdd, concAdd = {}, {}, {}, {}
local nowArg, leaseEnd = tostring(now), tostring(now + lease)
local pending, taken = 0, 0
local function write()
  if pending == 0 then return end
  local last = 2 * pending
  if rpm > 0 then redis.call('ZADD', KEYS[1], unpack(rpmAdd, 1, last)) end
  if tpm > 0 then
    redis.call('ZADD', KEYS[2], unpack(tpmAdd, 1, last))
    redis.call('HSET', KEYS[3], unpack(tokAdd, 1, last))
  end
  if conc > 0 then redis.call('ZADD', KEYS[4], unpack(concAdd, 1, last)) end
  pending = 0
end

local o = 0
for i = 1, n do
  local member, estArg = ARGV[6 + 2 * i], ARGV[7 + 2 * i]
  local est = tonumber(estArg)
  if conc > 0 and inflight >= conc then
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 1, 'concurrency', 1000, inflight, 0
  elseif rpm > 0 and used >= rpm then
    write()
    -- The (used - rpm + 1)th oldest admission must leave the window before the next fits.
    local old = redis.call('ZRANGE', KEYS[1], used - rpm, used - rpm, 'WITHSCORES')
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 1, 'requests', math.max(1, tonumber(old[2]) + win - now), used, 0
  elseif tpm > 0 and est > tpm then
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 1, 'too_large', 0, total, 0
  elseif tpm > 0 and total + est > tpm then
    write()
    -- Walk the window from its oldest admission until enough tokens would have left it.
    local need, freed, retry = total + est - tpm, 0, win
    local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
    for k = 1, #entries, 2 do
      freed = freed + tonumber(redis.call('HGET', KEYS[3], entries[k]) or '0')
      if freed >= need then retry = tonumber(entries[k + 1]) + win - now break end
    end
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 1, 'tokens', math.max(1, retry), total, 0
  else
    local rpmRemaining, rpmReset, tpmRemaining, tpmReset = -1, 0, -1, 0
    pending = pending + 1
    taken = taken + 1
    local j = 2 * pending
    if rpm > 0 then
      rpmRemaining = rpm - used - 1
      rpmReset = rpmFirst and (rpmFirst + win - now) or win
      if not rpmFirst or now < rpmFirst then rpmFirst = now end
      used = used + 1
      rpmAdd[j - 1], rpmAdd[j] = nowArg, member
    end
    if tpm > 0 then
      tpmRemaining = tpm - total - est
      tpmReset = tpmFirst and (tpmFirst + win - now) or win
      if not tpmFirst or now < tpmFirst then tpmFirst = now end
      total = total + est
      tpmAdd[j - 1], tpmAdd[j] = nowArg, member
      tokAdd[j - 1], tokAdd[j] = member, estArg
    end
    if conc > 0 then
      inflight = inflight + 1
      concAdd[j - 1], concAdd[j] = leaseEnd, member
    end
    out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = 0, rpmRemaining, rpmReset, tpmRemaining, tpmReset
  end
  o = o + 5
end

write()
if taken > 0 then
  if rpm > 0 then redis.call('PEXPIRE', KEYS[1], win) end
  if tpm > 0 then
    redis.call('HSET', KEYS[3], '_t', total)
    redis.call('PEXPIRE', KEYS[2], win)
    redis.call('PEXPIRE', KEYS[3], win)
  end
  if conc > 0 then redis.call('PEXPIRE', KEYS[4], lease * 2) end
end
return out
`;

/**
 * After requests: give their concurrency slots back and replace each token estimate with the
 * real count, if the admission is still inside the window (otherwise it already left it).
 * The limiter sends the releases of one key that ended in the same event-loop turn together;
 * the script reads and writes them with one command each (not one per request).
 *
 * KEYS: 1 tpm hash, 2 concurrency zset
 * ARGV: triples of member, token delta (real - estimate), '1' to release the lease
 */
export const RELEASE_LUA = `
local slots, members, delta = {}, {}, {}
for i = 1, #ARGV, 3 do
  local m, d = ARGV[i], tonumber(ARGV[i + 1])
  if ARGV[i + 2] == '1' then slots[#slots + 1] = m end
  if d ~= 0 then
    if not delta[m] then members[#members + 1] = m delta[m] = 0 end
    delta[m] = delta[m] + d
  end
end
if #slots > 0 then redis.call('ZREM', KEYS[2], unpack(slots)) end
if #members > 0 then
  local vals = redis.call('HMGET', KEYS[1], unpack(members))
  local set, sum = {}, 0
  for k = 1, #members do
    if vals[k] then
      local m = members[k]
      local d = delta[m]
      local v = tonumber(vals[k]) + d
      -- A count never goes below zero; the window total moves by what the count really moved.
      if v < 0 then d = d - v v = 0 end
      set[#set + 1] = m
      set[#set + 1] = v
      sum = sum + d
    end
  end
  if #set > 0 then
    redis.call('HSET', KEYS[1], unpack(set))
    if sum ~= 0 and redis.call('HINCRBY', KEYS[1], '_t', sum) < 0 then redis.call('HSET', KEYS[1], '_t', 0) end
  end
end
return 1
`;

/**
 * Extend running requests' leases (long streams outlive one lease). Only existing leases are
 * extended: a lease already reclaimed stays released.
 *
 * KEYS: 1 concurrency zset; ARGV: 1 lease ms, 2… members
 */
export const RENEW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], lease * 2)
return 1
`;

/**
 * Append usage events to the stream, one entry each (field `e`, the event as JSON), in one
 * call for a whole batch.
 *
 * KEYS: 1 stream; ARGV: 1 MAXLEN ~ bound, 2… events
 */
export const XADD_MANY_LUA = `
for i = 2, #ARGV do redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i]) end
return #ARGV - 1
`;

/**
 * Add requests' spend and tokens to the key's day and month counters.
 *
 * KEYS: 1 spend hash of the day, 2 spend hash of the month
 * ARGV: 1 cost USD, 2 prompt, 3 completion, 4 cached tokens, 5 day ttl s, 6 month ttl s,
 *       7 requests (the recorder sums a batch per key; default 1)
 */
export const ACCOUNT_LUA = `
for i = 1, 2 do
  redis.call('HINCRBYFLOAT', KEYS[i], 'cost', ARGV[1])
  redis.call('HINCRBY', KEYS[i], 'requests', ARGV[7] or 1)
  redis.call('HINCRBY', KEYS[i], 'prompt_tokens', ARGV[2])
  redis.call('HINCRBY', KEYS[i], 'completion_tokens', ARGV[3])
  redis.call('HINCRBY', KEYS[i], 'cached_tokens', ARGV[4])
  redis.call('EXPIRE', KEYS[i], ARGV[4 + i])
end
return 1
`;

type Arg = string | number;

/** The scripts as ioredis commands (EVALSHA, falling back to EVAL once per connection). */
export interface GovernanceCommands {
  gwAdmitBatch(k1: string, k2: string, k3: string, k4: string, k5: string, k6: string, ...argv: Arg[]): Promise<Array<number | string>>;
  gwRelease(k1: string, k2: string, ...triples: Arg[]): Promise<number>;
  gwRenew(k1: string, leaseMs: number, ...members: string[]): Promise<number>;
  gwAccount(k1: string, k2: string, ...argv: Arg[]): Promise<number>;
  gwXaddMany(stream: string, maxLen: number, ...events: string[]): Promise<number>;
}

/** Pipelines of a client with the commands defined (a turn's commands go out in one; see RedisTurn). */
export interface GovernancePipeline {
  gwAdmitBatch(k1: string, k2: string, k3: string, k4: string, k5: string, k6: string, ...argv: Arg[]): GovernancePipeline;
  gwRelease(k1: string, k2: string, ...triples: Arg[]): GovernancePipeline;
  gwAccount(k1: string, k2: string, ...argv: Arg[]): GovernancePipeline;
  gwXaddMany(stream: string, maxLen: number, ...events: string[]): GovernancePipeline;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/** Define the scripts on a client once (idempotent) and return it typed. */
export function defineGovernanceCommands(redis: RedisClient): RedisClient & GovernanceCommands {
  const r = redis as RedisClient & Partial<GovernanceCommands>;
  if (typeof r.gwAdmitBatch !== 'function') {
    redis.defineCommand('gwAdmitBatch', { numberOfKeys: 6, lua: ADMIT_BATCH_LUA });
    redis.defineCommand('gwRelease', { numberOfKeys: 2, lua: RELEASE_LUA });
    redis.defineCommand('gwRenew', { numberOfKeys: 1, lua: RENEW_LUA });
    redis.defineCommand('gwAccount', { numberOfKeys: 2, lua: ACCOUNT_LUA });
    redis.defineCommand('gwXaddMany', { numberOfKeys: 1, lua: XADD_MANY_LUA });
  }
  return r as RedisClient & GovernanceCommands;
}
