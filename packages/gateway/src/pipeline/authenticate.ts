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

/** Stage: hash the bearer token and load `gw:key:<hash>`; refuse unknown, disabled or expired keys. */
export async function authenticate(ctx: RequestContext, cache: RegistryReader): Promise<void> {
  ctx.key = await keyOf(ctx.req.headers, cache);
}

/** The active gateway key the request's headers present; throws the 401/403 that refuses it. Also the check of a WebSocket upgrade. */
export async function keyOf(headers: Record<string, string>, cache: RegistryReader): Promise<ApiKey> {
  const raw = readRawKey(headers);
  if (!raw) throw Errors.missingKey();
  const memo = cache.keyHashes;
  const known = memo.get(raw);
  const hash = known ?? hashKey(raw);
  const key = await cache.getKey(hash);
  if (!key) throw Errors.invalidKey();
  if (known === undefined) memo.remember(raw, hash);
  if (key.status !== 'active') throw Errors.disabledKey();
  if (key.expires_at && Date.parse(key.expires_at) <= Date.now()) throw Errors.expiredKey();
  return key;
}
