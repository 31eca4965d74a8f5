import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { appendAudit } from './audit.js';
import { hashKey } from './key-hash.js';
import type { RedisClient } from './redis-connect.js';
import { REDIS_KEYS } from './redis-keys.js';
import { EntityName } from './schemas.js';

/** Roles of console / admin API tokens, weakest first: viewer reads, editor changes the registry, admin also manages tokens. */
export const ADMIN_ROLES = ['viewer', 'editor', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** True when `have` may do what `need` may. */
export function roleAllows(have: AdminRole, need: AdminRole): boolean {
  return ADMIN_ROLES.indexOf(have) >= ADMIN_ROLES.indexOf(need);
}

/** Every admin token starts so, to be recognisable in a leak. */
const ADMIN_TOKEN_PREFIX = 'gwadm-';

const AdminTokenSchema = z.object({
  name: EntityName,
  role: z.enum(ADMIN_ROLES),
  /** First characters of the raw token, for display. */
  prefix: z.string(),
  created_at: z.string(),
  /** Who created it (audit actor). */
  created_by: z.string().default(''),
});

/** An admin token as stored (its SHA-256 is the key; the raw token is never stored). */
export type AdminToken = z.output<typeof AdminTokenSchema> & { hash: string };

/** Thrown for a token request that cannot be honoured (duplicate or unknown name, bad input). */
export class AdminTokenError extends Error {
  constructor(
    message: string,
    readonly reason: 'invalid' | 'exists' | 'missing',
  ) {
    super(message);
    this.name = 'AdminTokenError';
  }
}

export async function listAdminTokens(redis: RedisClient): Promise<AdminToken[]> {
  const hashes = (await redis.smembers(REDIS_KEYS.adminTokens)).sort();
  const out: AdminToken[] = [];
  for (const hash of hashes) {
    const r = AdminTokenSchema.safeParse(await redis.hgetall(REDIS_KEYS.adminToken(hash)));
    if (r.success) out.push({ ...r.data, hash });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The token a raw bearer value belongs to, or null. */
export async function verifyAdminToken(redis: RedisClient, raw: string): Promise<AdminToken | null> {
  if (!raw.startsWith(ADMIN_TOKEN_PREFIX)) return null;
  return adminTokenByHash(redis, hashKey(raw));
}

export async function adminTokenByHash(redis: RedisClient, hash: string): Promise<AdminToken | null> {
  const r = AdminTokenSchema.safeParse(await redis.hgetall(REDIS_KEYS.adminToken(hash)));
  return r.success ? { ...r.data, hash } : null;
}

/** Create a token; returns the raw token, to be shown once. Audited as `token.create` by `actor`. */
export async function createAdminToken(redis: RedisClient, name: string, role: string, actor: string): Promise<{ token: AdminToken; raw: string }> {
  const parsed = AdminTokenSchema.pick({ name: true, role: true }).safeParse({ name, role });
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new AdminTokenError(`${i.path.join('.')}: ${i.path[0] === 'role' ? `use ${ADMIN_ROLES.join(', ')}` : i.message}`, 'invalid');
  }
  if ((await listAdminTokens(redis)).some((t) => t.name === name)) throw new AdminTokenError(`admin token "${name}" already exists`, 'exists');
  const raw = ADMIN_TOKEN_PREFIX + randomBytes(24).toString('base64url');
  const hash = hashKey(raw);
  const record = { name, role: parsed.data.role, prefix: raw.slice(0, 10), created_at: new Date().toISOString(), created_by: actor };
  await redis.multi().hset(REDIS_KEYS.adminToken(hash), record).sadd(REDIS_KEYS.adminTokens, hash).exec();
  await appendAudit(redis, { actor, action: 'token.create', target: name, before: null, after: record });
  return { token: { ...record, hash }, raw };
}

/** Delete a token by name; its console sessions end on their next request. Audited as `token.delete`. */
export async function deleteAdminToken(redis: RedisClient, name: string, actor: string): Promise<AdminToken> {
  const t = (await listAdminTokens(redis)).find((x) => x.name === name);
  if (!t) throw new AdminTokenError(`no admin token named "${name}"`, 'missing');
  await redis.multi().del(REDIS_KEYS.adminToken(t.hash)).srem(REDIS_KEYS.adminTokens, t.hash).exec();
  const { hash: _hash, ...before } = t;
  await appendAudit(redis, { actor, action: 'token.delete', target: name, before, after: null });
  return t;
}
