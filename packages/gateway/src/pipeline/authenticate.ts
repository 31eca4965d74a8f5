import { hashKey, type ApiKey } from '@llmgw/core';
import type { RegistryReader } from '../cache/registry-cache.js';
import { Errors } from '../errors/catalog.js';
import type { RequestContext } from '../request-context.js';

/** The raw gateway key from `Authorization: Bearer …`, `x-api-key` or `api-key`. */
function readRawKey(headers: Record<string, string>): string | null {
  const auth = headers.authorization;
  if (auth) {
    const m = /^\s*bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1]! : null;
  }
  return headers['x-api-key']?.trim() || headers['api-key']?.trim() || null;
}

/** Stage: hash the bearer token and load `gw:key:<hash>`; refuse unknown, disabled or expired keys. Sync when the key is cached. */
export function authenticate(ctx: RequestContext, cache: RegistryReader): Promise<void> | void {
  const key = keyOf(ctx.req.headers, cache);
  if (key instanceof Promise) {
    return key.then((k) => {
      ctx.key = k;
    });
  }
  ctx.key = key;
}

/**
 * The active gateway key the request's headers present (without a promise when its record is
 * cached); throws the 401/403 that refuses it. Also the check of a WebSocket upgrade.
 */
export function keyOf(headers: Record<string, string>, cache: RegistryReader): ApiKey | Promise<ApiKey> {
  const raw = readRawKey(headers);
  if (!raw) throw Errors.missingKey();
  const known = cache.keyHashes.get(raw);
  const hash = known ?? hashKey(raw);
  const cached = cache.peekKey(hash);
  if (cached !== undefined) return usableKey(cached, cache, raw, hash, known);
  return cache.getKey(hash).then((key) => usableKey(key, cache, raw, hash, known));
}

function usableKey(key: ApiKey | null, cache: RegistryReader, raw: string, hash: string, known: string | undefined): ApiKey {
  if (!key) throw Errors.invalidKey();
  if (known === undefined) cache.keyHashes.remember(raw, hash);
  if (key.status !== 'active') throw Errors.disabledKey();
  if (key.expires_at && Date.parse(key.expires_at) <= Date.now()) throw Errors.expiredKey();
  return key;
}
