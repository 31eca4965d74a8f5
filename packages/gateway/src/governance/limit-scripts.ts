import type { RedisClient } from '@llmgw/core';
import type { Command } from 'ioredis';
import { ADMIT_BATCH_LUA } from './admit-script.js';
import { ACCOUNT_ONCE_LUA, XADD_ONCE_LUA } from './usage-scripts.js';

// The governance scripts. Each runs atomically in Redis, so N pods that share one Redis
// enforce one limit exactly: no read-then-write race between check and take. Every key a
// script touches is under one key's hash tag (`gw:rt:{k:<id>}:…`), so they are Cluster-safe.
// Time comes from Redis (`TIME`), not from the pods, so clock skew between pods does not
// bend the windows.

/**
 * A lease's end: what it did not spend goes back. The requests and tokens it counted in
 * `bucket` are taken off that bucket (if it is still in the window; clamped at zero), with the
 * token corrections (real − estimate) of its requests that ended while it ran; its free
 * concurrency slots are removed. (Its budget member goes with the last of its requests' spend.)
 * Once per lease: a mark (under the key's hash tag, kept until the bucket has left the window)
 * makes a give-back retried after a lost reply, or run late by a stalled Redis, a no-op.
 *
 * KEYS: 1 window hash, 2 concurrency zset, 3 the lease's give-back mark
 * ARGV: 1 bucket, 2 requests to give back, 3 tokens to add (negative: to give back),
 *       4 mark ttl ms, 5… slots
 * Returns 1, or 0 when the lease gave back before.
 */
const GIVE_BACK_LUA = `
if not redis.call('SET', KEYS[3], 1, 'NX', 'PX', ARGV[4]) then return 0 end
local b, req, dt = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if #ARGV > 4 then redis.call('ZREM', KEYS[2], unpack(ARGV, 5)) end
if req ~= 0 or dt ~= 0 then
  local v = redis.call('HMGET', KEYS[1], 'r' .. b, 't' .. b)
  if v[1] and req ~= 0 then
    local nv, d = tonumber(v[1]) - req, req
    if nv < 0 then d = d + nv nv = 0 end
    redis.call('HSET', KEYS[1], 'r' .. b, nv)
    if redis.call('HINCRBY', KEYS[1], '_r', -d) < 0 then redis.call('HSET', KEYS[1], '_r', 0) end
  end
  if v[2] and dt ~= 0 then
    local nv, d = tonumber(v[2]) + dt, dt
    if nv < 0 then d = d - nv nv = 0 end
    redis.call('HSET', KEYS[1], 't' .. b, nv)
    if redis.call('HINCRBY', KEYS[1], '_t', d) < 0 then redis.call('HSET', KEYS[1], '_t', 0) end
  end
end
return 1
`;

/**
 * After requests: give their concurrency slots back and replace each token estimate with the
 * real count in the bucket the admission was counted in, if that bucket is still in the
 * window (otherwise the estimate already left it). The limiter sends the releases of one key
 * that ended in the same event-loop turn together; the script reads and writes them with one
 * command each (not one per request).
 *
 * KEYS: 1 window hash, 2 concurrency zset
 * ARGV: triples of member whose lease to release ('' = none), bucket, token delta (real - estimate)
 */
const RELEASE_LUA = `
local slots, fields, delta = {}, {}, {}
for i = 1, #ARGV, 3 do
  if ARGV[i] ~= '' then slots[#slots + 1] = ARGV[i] end
  local d = tonumber(ARGV[i + 2])
  if d ~= 0 then
    local f = 't' .. ARGV[i + 1]
    if not delta[f] then fields[#fields + 1] = f delta[f] = 0 end
    delta[f] = delta[f] + d
  end
end
if #slots > 0 then redis.call('ZREM', KEYS[2], unpack(slots)) end
if #fields > 0 then
  local vals = redis.call('HMGET', KEYS[1], unpack(fields))
  local set, sum = {}, 0
  for k = 1, #fields do
    if vals[k] then
      local f = fields[k]
      local d = delta[f]
      local v = tonumber(vals[k]) + d
      -- A count never goes below zero; the window total moves by what the count really moved.
      if v < 0 then d = d - v v = 0 end
      set[#set + 1] = f
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
const RENEW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], lease * 2)
return 1
`;

/**
 * Give back reservations whose requests will write no spend for them (an admission that timed
 * out on the pod but ran in Redis). One already expired is not taken off the sum twice.
 *
 * KEYS: 1 reservations zset, 2 reserved sum; ARGV: members `<id>|<nano-USD>`
 */
const UNRESERVE_LUA = `
local freed = 0
for i = 1, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then freed = freed + tonumber(string.match(ARGV[i], '|(%d+)$')) end
end
if freed > 0 then redis.call('DECRBY', KEYS[2], freed) end
return freed
`;

/** A script argument: a Buffer goes to the socket as it is (a large one stays out of V8's heap). */
type Arg = string | number | Buffer;

/** The scripts as ioredis commands (EVALSHA, falling back to EVAL once per connection). */
export interface GovernanceCommands {
  gwAdmitBatch(k1: string, k2: string, k3: string, k4: string, k5: string, k6: string, ...argv: Arg[]): Promise<Array<number | string>>;
  gwUnreserve(zset: string, sum: string, ...members: string[]): Promise<number>;
  gwRelease(k1: string, k2: string, ...triples: Arg[]): Promise<number>;
  gwGiveBack(k1: string, k2: string, mark: string, bucket: number, requests: number, tokens: number, markTtlMs: number, ...slots: string[]): Promise<number>;
  gwRenew(k1: string, leaseMs: number, ...members: string[]): Promise<number>;
  /** ACCOUNT_ONCE_LUA: `numKeys`, then its keys and arguments. Resolves [applied, skipped]. */
  gwAccountOnce(numKeys: number, ...keysAndArgv: Arg[]): Promise<[number, number]>;
  /** XADD_ONCE_LUA: `numKeys`, then its keys (stream, mark, rollup hashes) and arguments. Resolves [applied, skipped]. */
  gwXaddOnce(numKeys: number, ...keysAndArgv: Arg[]): Promise<[number, number]>;
  /** A command built elsewhere (encoded-script.ts): resolves with its reply. */
  sendCommand(command: Command): Promise<unknown>;
}

/** Pipelines of a client with the commands defined (a turn's commands go out in one; see RedisTurn). */
export interface GovernancePipeline {
  gwAdmitBatch(k1: string, k2: string, k3: string, k4: string, k5: string, k6: string, ...argv: Arg[]): GovernancePipeline;
  gwRelease(k1: string, k2: string, ...triples: Arg[]): GovernancePipeline;
  gwGiveBack(k1: string, k2: string, mark: string, bucket: number, requests: number, tokens: number, markTtlMs: number, ...slots: string[]): GovernancePipeline;
  gwAccountOnce(numKeys: number, ...keysAndArgv: Arg[]): GovernancePipeline;
  gwXaddOnce(numKeys: number, ...keysAndArgv: Arg[]): GovernancePipeline;
  sendCommand(command: Command): GovernancePipeline;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/** Define the scripts on a client once (idempotent) and return it typed. */
export function defineGovernanceCommands(redis: RedisClient): RedisClient & GovernanceCommands {
  const r = redis as RedisClient & Partial<GovernanceCommands>;
  if (typeof r.gwAdmitBatch !== 'function') {
    redis.defineCommand('gwAdmitBatch', { numberOfKeys: 6, lua: ADMIT_BATCH_LUA });
    redis.defineCommand('gwUnreserve', { numberOfKeys: 2, lua: UNRESERVE_LUA });
    redis.defineCommand('gwRelease', { numberOfKeys: 2, lua: RELEASE_LUA });
    redis.defineCommand('gwGiveBack', { numberOfKeys: 3, lua: GIVE_BACK_LUA });
    redis.defineCommand('gwRenew', { numberOfKeys: 1, lua: RENEW_LUA });
    // The number of keys varies with the periods (rollup buckets) a batch spans: the caller passes it first.
    redis.defineCommand('gwAccountOnce', { lua: ACCOUNT_ONCE_LUA });
    redis.defineCommand('gwXaddOnce', { lua: XADD_ONCE_LUA });
  }
  return r as RedisClient & GovernanceCommands;
}
