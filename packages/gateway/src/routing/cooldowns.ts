import { healthFields, isCluster, parseHealthHash, RT_KEYS, subjectHealthFrom, type RedisClient, type SubjectHealth } from '@llmgw/core';
import type { CooldownSettings, FailureInput } from './cooldown-rules.js';

// Each script touches one key, the provider's health hash, so it is atomic on a single Redis
// and stays in one slot on Cluster. Both return the subject's fields in HEALTH_FIELDS order
// (n e u l q k r) after the change, preceded by 1 when a cooldown started / a probe was given.
// Times come from the caller (pods are NTP-synced); they are the same clock the mirror uses.
const READ = `
local h, s = KEYS[1], ARGV[1]
local v = redis.call('HMGET', h, s..'.n', s..'.e', s..'.u', s..'.l', s..'.q', s..'.k', s..'.r')
local function num(x) return tonumber(x) or 0 end
local n, e, u, l, q, k, r = num(v[1]), num(v[2]), num(v[3]), num(v[4]), num(v[5]), num(v[6]), v[7] or ''
`;

// ARGV: subject, now, window, threshold, base, max, force (0/1), duration (0 = backoff), reason, ttl.
// Mirrors applyFailure (cooldown-rules.ts).
const FAIL_SCRIPT = `${READ}
local now = tonumber(ARGV[2])
if u > now then return {0, n, e, u, l, q, k, r} end
if now >= e then n = 0; e = now + tonumber(ARGV[3]) end
n = n + 1
local entered = 0
if ARGV[7] == '1' or l > 0 or n >= tonumber(ARGV[4]) then
  local d = tonumber(ARGV[8])
  if d > 0 then d = math.min(d, tonumber(ARGV[6]))
  else d = math.min(tonumber(ARGV[5]) * 2 ^ math.min(l, 30), tonumber(ARGV[6])) end
  u = now + d; l = l + 1; n = 0; e = 0; q = 0; r = ARGV[9]; entered = 1
  redis.call('HSET', h, s..'.u', u, s..'.l', l, s..'.r', r)
  redis.call('HDEL', h, s..'.q')
end
redis.call('HSET', h, s..'.n', n, s..'.e', e)
redis.call('PEXPIRE', h, ARGV[10])
return {entered, n, e, u, l, q, k, r}
`;

// ARGV: subject, now, lease, ttl. Only one caller gets the probe until the lease ends.
// Mirrors applyProbe (cooldown-rules.ts).
const PROBE_SCRIPT = `${READ}
local now = tonumber(ARGV[2])
if l == 0 then return {1, n, e, u, l, q, k, r} end
if u > now or q > now then return {0, n, e, u, l, q, k, r} end
q = now + tonumber(ARGV[3]); k = k + 1
redis.call('HSET', h, s..'.q', q, s..'.k', k)
redis.call('PEXPIRE', h, ARGV[4])
return {1, n, e, u, l, q, k, r}
`;

type ScriptReply = [number, ...Array<string | number>];

interface HealthCommands {
  gwHealthFail(key: string, ...args: Array<string | number>): Promise<ScriptReply>;
  gwHealthProbe(key: string, ...args: Array<string | number>): Promise<ScriptReply>;
}

const defined = new WeakSet<object>();

/** Where shared health lives; `CooldownStore` in production, an in-memory double in unit tests. */
export interface HealthStore {
  fail(provider: string, subject: string, now: number, f: FailureInput): Promise<{ entered: boolean; health: SubjectHealth }>;
  probe(provider: string, subject: string, now: number): Promise<{ granted: boolean; health: SubjectHealth }>;
  clear(provider: string, subjects: string[]): Promise<void>;
  read(providers: string[]): Promise<Map<string, Map<string, SubjectHealth>>>;
}

/**
 * Provider and secret health in Redis, shared by every pod: failures counted in a window,
 * cooldowns that double while failures repeat, half-open probes. One hash per provider
 * (`gw:rt:{p:<name>}:health`) that expires once nothing has happened for a while.
 */
export class CooldownStore implements HealthStore {
  private readonly redis: RedisClient & HealthCommands;
  /** Idle health state disappears after this long (it outlives the longest cooldown). */
  private readonly ttlMs: number;

  constructor(
    redis: RedisClient,
    private readonly settings: CooldownSettings,
  ) {
    if (!defined.has(redis)) {
      redis.defineCommand('gwHealthFail', { numberOfKeys: 1, lua: FAIL_SCRIPT });
      redis.defineCommand('gwHealthProbe', { numberOfKeys: 1, lua: PROBE_SCRIPT });
      defined.add(redis);
    }
    this.redis = redis as RedisClient & HealthCommands;
    this.ttlMs = 4 * Math.max(settings.maxMs, settings.windowMs) + settings.probeLeaseMs;
  }

  async fail(provider: string, subject: string, now: number, f: FailureInput): Promise<{ entered: boolean; health: SubjectHealth }> {
    const s = this.settings;
    const r = await this.redis.gwHealthFail(
      RT_KEYS.providerHealth(provider), subject, now, s.windowMs, s.threshold, s.baseMs, s.maxMs,
      f.force ? 1 : 0, Math.max(0, Math.round(f.durationMs ?? 0)), f.reason, this.ttlMs,
    );
    return { entered: r[0] === 1, health: subjectHealthFrom(r.slice(1)) };
  }

  async probe(provider: string, subject: string, now: number): Promise<{ granted: boolean; health: SubjectHealth }> {
    const r = await this.redis.gwHealthProbe(RT_KEYS.providerHealth(provider), subject, now, this.settings.probeLeaseMs, this.ttlMs);
    return { granted: r[0] === 1, health: subjectHealthFrom(r.slice(1)) };
  }

  /** A success: forget the subjects' failures, cooldown level and probes. */
  async clear(provider: string, subjects: string[]): Promise<void> {
    await this.redis.hdel(RT_KEYS.providerHealth(provider), ...subjects.flatMap(healthFields));
  }

  /**
   * The health hashes of several providers. One pipeline on a single Redis; on Cluster the
   * hashes live in different slots, so the reads are sent concurrently instead.
   */
  async read(providers: string[]): Promise<Map<string, Map<string, SubjectHealth>>> {
    const keys = providers.map((p) => RT_KEYS.providerHealth(p));
    let hashes: Array<Record<string, string>>;
    if (isCluster(this.redis)) {
      hashes = await Promise.all(keys.map((k) => this.redis.hgetall(k)));
    } else {
      const pipe = this.redis.pipeline();
      for (const k of keys) pipe.hgetall(k);
      const res = (await pipe.exec()) ?? [];
      hashes = res.map(([err, v]) => {
        if (err) throw err;
        return v as Record<string, string>;
      });
    }
    return new Map(providers.map((p, i) => [p, parseHealthHash(hashes[i] ?? {})]));
  }
}
