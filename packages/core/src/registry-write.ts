import type { RedisClient } from './redis-connect.js';
import { isCluster } from './redis-connect.js';
import { REDIS_KEYS, type EntityKind } from './redis-keys.js';

/** Thrown when a write's precondition fails (already exists, changed meanwhile, missing). */
export class RegistryConflictError extends Error {
  constructor(
    message: string,
    readonly reason: 'exists' | 'changed' | 'missing',
  ) {
    super(message);
    this.name = 'RegistryConflictError';
  }
}

/**
 * Expected state of the entity before the write:
 * `absent` (create), `any` (upsert), or the `updated_at` last read (optimistic update).
 */
export type Precondition = { kind: 'absent' } | { kind: 'any' } | { kind: 'unchanged'; updatedAt: string | undefined };

// One script does the whole write so that a reader never sees half an entity, the index
// set never disagrees with the hashes, and the event carries the new revision.
// KEYS: entity, index set, rev. ARGV: op, member, channel, kind, precondition, expected, field, value, …
const WRITE_SCRIPT = `
local exists = redis.call('EXISTS', KEYS[1]) == 1
local pre, expected = ARGV[5], ARGV[6]
if pre == 'absent' and exists then return {err='GWEXISTS'} end
if pre == 'unchanged' then
  if not exists then return {err='GWMISSING'} end
  local cur = redis.call('HGET', KEYS[1], 'updated_at') or ''
  if cur ~= expected then return {err='GWCHANGED'} end
end
if ARGV[1] == 'del' then
  if not exists then return {err='GWMISSING'} end
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
else
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], unpack(ARGV, 7))
  redis.call('SADD', KEYS[2], ARGV[2])
end
local rev = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[3], cjson.encode({kind=ARGV[4], name=ARGV[2], op=ARGV[1], rev=rev}))
return rev
`;

/** The index set of each kind of entity. */
export const INDEX: Record<EntityKind, string> = {
  provider: REDIS_KEYS.providers,
  key: REDIS_KEYS.keys,
  model: REDIS_KEYS.models,
  mcp: REDIS_KEYS.mcps,
};

function conflict(kind: EntityKind, name: string, code: string): RegistryConflictError {
  if (code.includes('GWEXISTS')) return new RegistryConflictError(`${kind} "${name}" already exists`, 'exists');
  if (code.includes('GWMISSING')) return new RegistryConflictError(`${kind} "${name}" does not exist`, 'missing');
  return new RegistryConflictError(`${kind} "${name}" was changed by someone else meanwhile; try again`, 'changed');
}

/**
 * Write or delete one entity atomically: hash, index set, `gw:rev`, `gw:events`.
 * On Redis Cluster the registry keys live in different slots, so the entity hash is
 * written atomically (WATCH/MULTI on its own key) and the index, revision and event follow;
 * a crash between the two leaves an index entry that readers already skip.
 */
export async function writeEntity(
  redis: RedisClient,
  kind: EntityKind,
  key: string,
  member: string,
  op: 'put' | 'del',
  pre: Precondition,
  fields: Record<string, string> = {},
): Promise<number> {
  if (!isCluster(redis)) {
    const expected = pre.kind === 'unchanged' ? (pre.updatedAt ?? '') : '';
    const flat = Object.entries(fields).flat();
    try {
      const rev = await redis.eval(
        WRITE_SCRIPT, 3, key, INDEX[kind], REDIS_KEYS.rev,
        op, member, REDIS_KEYS.events, kind, pre.kind, expected, ...flat,
      );
      return Number(rev);
    } catch (e) {
      throw toConflict(kind, member, e);
    }
  }
  return writeEntityOnCluster(redis, kind, key, member, op, pre, fields);
}

// The entity half of WRITE_SCRIPT, for Cluster: one key, so one slot.
const ENTITY_SCRIPT = `
local exists = redis.call('EXISTS', KEYS[1]) == 1
local pre, expected = ARGV[2], ARGV[3]
if pre == 'absent' and exists then return {err='GWEXISTS'} end
if (pre == 'unchanged' or ARGV[1] == 'del') and not exists then return {err='GWMISSING'} end
if pre == 'unchanged' and (redis.call('HGET', KEYS[1], 'updated_at') or '') ~= expected then return {err='GWCHANGED'} end
redis.call('DEL', KEYS[1])
if ARGV[1] == 'put' then redis.call('HSET', KEYS[1], unpack(ARGV, 4)) end
return 1
`;

/**
 * Only the entity hash of a write, checked against its precondition (one key, so one
 * Cluster slot); the caller keeps the index sets, `gw:rev` and the event.
 */
export async function writeEntityHash(
  redis: RedisClient,
  kind: EntityKind,
  key: string,
  member: string,
  op: 'put' | 'del',
  pre: Precondition,
  fields: Record<string, string> = {},
): Promise<void> {
  const expected = pre.kind === 'unchanged' ? (pre.updatedAt ?? '') : '';
  try {
    await redis.eval(ENTITY_SCRIPT, 1, key, op, pre.kind, expected, ...Object.entries(fields).flat());
  } catch (e) {
    throw toConflict(kind, member, e);
  }
}

async function writeEntityOnCluster(
  redis: RedisClient,
  kind: EntityKind,
  key: string,
  member: string,
  op: 'put' | 'del',
  pre: Precondition,
  fields: Record<string, string>,
): Promise<number> {
  await writeEntityHash(redis, kind, key, member, op, pre, fields);
  if (op === 'put') await redis.sadd(INDEX[kind], member);
  else await redis.srem(INDEX[kind], member);
  const rev = await redis.incr(REDIS_KEYS.rev);
  await redis.publish(REDIS_KEYS.events, JSON.stringify({ kind, name: member, op, rev }));
  return rev;
}

function toConflict(kind: EntityKind, member: string, e: unknown): unknown {
  const msg = (e as Error)?.message ?? '';
  return /GW(EXISTS|MISSING|CHANGED)/.test(msg) ? conflict(kind, member, msg) : e;
}
