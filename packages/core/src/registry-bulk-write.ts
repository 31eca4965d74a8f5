import type { RegistryChange } from './events.js';
import { isCluster, type RedisClient } from './redis-connect.js';
import { REDIS_KEYS, type EntityKind } from './redis-keys.js';
import { INDEX, RegistryConflictError, writeEntityHash, type Precondition } from './registry-write.js';

/** One entity to write or delete in a bulk write. */
export interface EntityWrite {
  kind: EntityKind;
  /** Provider or model name, or key hash: the entity's index member and key suffix. */
  member: string;
  op: 'put' | 'del';
  pre: Precondition;
  /** The whole hash of a `put` (it replaces the record). */
  fields?: Record<string, string>;
}

/** Most changes one bulk event lists; past that, subscribers drop everything they hold. */
const MAX_LISTED_CHANGES = 1000;

const KEY_OF: Record<EntityKind, (member: string) => string> = {
  provider: REDIS_KEYS.provider,
  key: REDIS_KEYS.key,
  model: REDIS_KEYS.model,
  mcp: REDIS_KEYS.mcp,
};

// Every precondition is checked before the first write, so the script writes all or nothing;
// a script runs alone, so no reader sees a half-applied registry and one INCR and one event
// cover the whole change. KEYS: gw:rev, the provider, key, model and mcp index sets, then one key
// per write. ARGV: channel, the writes as JSON, the changes for the event as JSON (or null).
const BULK_SCRIPT = `
local writes = cjson.decode(ARGV[2])
local index = {provider = KEYS[2], key = KEYS[3], model = KEYS[4], mcp = KEYS[5]}
for _, w in ipairs(writes) do
  local key = KEYS[w.i]
  local exists = redis.call('EXISTS', key) == 1
  local what = w.kind .. ' ' .. w.member
  if w.pre == 'absent' and exists then return {err = 'GWEXISTS ' .. what} end
  if w.pre == 'unchanged' then
    if not exists then return {err = 'GWMISSING ' .. what} end
    if (redis.call('HGET', key, 'updated_at') or '') ~= w.expected then return {err = 'GWCHANGED ' .. what} end
  end
end
for _, w in ipairs(writes) do
  local key = KEYS[w.i]
  redis.call('DEL', key)
  if w.op == 'put' then
    local flat = {}
    for f, v in pairs(w.fields) do
      flat[#flat + 1] = f
      flat[#flat + 1] = v
    end
    redis.call('HSET', key, unpack(flat))
    redis.call('SADD', index[w.kind], w.member)
  else
    redis.call('SREM', index[w.kind], w.member)
  end
end
local rev = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], '{"kind":"bulk","rev":' .. rev .. ',"changes":' .. ARGV[3] .. '}')
return rev
`;

function changesJson(writes: readonly EntityWrite[]): string {
  if (writes.length > MAX_LISTED_CHANGES) return 'null';
  return JSON.stringify(writes.map((w): RegistryChange => ({ kind: w.kind, name: w.member, op: w.op })));
}

function conflictOf(e: unknown): unknown {
  const m = /GW(EXISTS|MISSING|CHANGED) (\w+) (\S+)/.exec((e as Error)?.message ?? '');
  if (!m) return e;
  const [, code, kind, member] = m;
  const reason = code === 'EXISTS' ? 'exists' : code === 'MISSING' ? 'missing' : 'changed';
  return new RegistryConflictError(`${kind} "${member}" was changed by someone else since it was read; nothing was written, try again`, reason);
}

/**
 * Write many entities as one change: their hashes, the index sets, one `gw:rev` bump and one
 * `gw:events` message (a `bulk` event listing the changes). Returns the new revision.
 *
 * Standalone and Sentinel: one Lua script, all or nothing; a precondition that fails writes
 * nothing. Redis Cluster: registry keys live in different slots, so no script can hold them
 * all. There every precondition is checked first, then each entity is written on its own
 * (checked again), providers before the models and keys that name them and deletions in the
 * opposite order, then the index sets, then one revision bump and one event. Weaker: a reader
 * may see part of the change while it is being written, and a writer racing it or a crash can
 * leave it half done (running the same apply again completes it).
 */
export async function writeEntities(redis: RedisClient, writes: readonly EntityWrite[]): Promise<number> {
  if (writes.length === 0) throw new Error('writeEntities: nothing to write');
  if (isCluster(redis)) return writeOnCluster(redis, writes);
  const plan = writes.map((w, i) => ({
    i: i + 6,
    kind: w.kind,
    member: w.member,
    op: w.op,
    pre: w.pre.kind,
    expected: w.pre.kind === 'unchanged' ? (w.pre.updatedAt ?? '') : '',
    fields: w.fields ?? {},
  }));
  const keys = [REDIS_KEYS.rev, INDEX.provider, INDEX.key, INDEX.model, INDEX.mcp, ...writes.map((w) => KEY_OF[w.kind](w.member))];
  try {
    return Number(await redis.eval(BULK_SCRIPT, keys.length, ...keys, REDIS_KEYS.events, JSON.stringify(plan), changesJson(writes)));
  } catch (e) {
    throw conflictOf(e);
  }
}

const ORDER: Record<EntityKind, number> = { provider: 0, model: 1, key: 2, mcp: 3 };

async function writeOnCluster(redis: RedisClient, writes: readonly EntityWrite[]): Promise<number> {
  for (const w of writes) {
    const current = await redis.hget(KEY_OF[w.kind](w.member), 'updated_at');
    const exists = current !== null || (await redis.exists(KEY_OF[w.kind](w.member))) === 1;
    const ok = w.pre.kind === 'any' || (w.pre.kind === 'absent' ? !exists : exists && (current ?? '') === (w.pre.updatedAt ?? ''));
    if (!ok) throw conflictOf(new Error(`GW${w.pre.kind === 'absent' ? 'EXISTS' : 'CHANGED'} ${w.kind} ${w.member}`));
  }
  // What a model or key names is written before it, and removed after it.
  const puts = writes.filter((w) => w.op === 'put').sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  const dels = writes.filter((w) => w.op === 'del').sort((a, b) => ORDER[b.kind] - ORDER[a.kind]);
  for (const w of [...puts, ...dels]) await writeEntityHash(redis, w.kind, KEY_OF[w.kind](w.member), w.member, w.op, w.pre, w.fields);
  for (const kind of ['provider', 'model', 'key'] as const) {
    const added = puts.filter((w) => w.kind === kind).map((w) => w.member);
    const removed = dels.filter((w) => w.kind === kind).map((w) => w.member);
    if (added.length) await redis.sadd(INDEX[kind], ...added);
    if (removed.length) await redis.srem(INDEX[kind], ...removed);
  }
  const rev = await redis.incr(REDIS_KEYS.rev);
  await redis.publish(REDIS_KEYS.events, `{"kind":"bulk","rev":${rev},"changes":${changesJson(writes)}}`);
  return rev;
}
