import { createHash, randomBytes } from 'node:crypto';
import { adminTokenByHash, REDIS_KEYS, verifyAdminToken, type RedisClient } from '@llmgw/core';
import type { Principal } from './route.js';

/** Name of the session cookie (HttpOnly, SameSite=Strict). */
const SESSION_COOKIE = 'gwc_session';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * A browser session: the cookie holds a random id, Redis holds its SHA-256 → the token's
 * hash and a CSRF token, with a TTL. The role is read from the token on every request, so
 * deleting the token (or changing its role) takes effect at once.
 */
export async function createSession(redis: RedisClient, rawToken: string, ttlSeconds: number): Promise<{ cookie: string; who: Principal } | null> {
  const token = await verifyAdminToken(redis, rawToken);
  if (!token) return null;
  const cookie = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const key = REDIS_KEYS.adminSession(sha256(cookie));
  await redis.multi().hset(key, { token: token.hash, csrf }).expire(key, ttlSeconds).exec();
  return { cookie, who: { name: token.name, role: token.role, via: 'session', csrf, sessionHash: sha256(cookie) } };
}

export async function sessionPrincipal(redis: RedisClient, cookie: string): Promise<Principal | null> {
  const h = await redis.hgetall(REDIS_KEYS.adminSession(sha256(cookie)));
  if (!h.token || !h.csrf) return null;
  const token = await adminTokenByHash(redis, h.token);
  return token ? { name: token.name, role: token.role, via: 'session', csrf: h.csrf, sessionHash: sha256(cookie) } : null;
}

export async function bearerPrincipal(redis: RedisClient, raw: string): Promise<Principal | null> {
  const token = await verifyAdminToken(redis, raw);
  return token ? { name: token.name, role: token.role, via: 'bearer' } : null;
}

export async function endSession(redis: RedisClient, sessionHash: string): Promise<void> {
  await redis.del(REDIS_KEYS.adminSession(sessionHash));
}

/** The Set-Cookie header of a session (empty value and Max-Age 0 to clear it). */
export function sessionCookie(value: string, maxAge: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

/** The session cookie's value from a Cookie header, or null. */
export function readSessionCookie(header: string | undefined): string | null {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE && v.length) return v.join('=');
  }
  return null;
}
