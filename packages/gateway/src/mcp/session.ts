import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RT_KEYS, type RedisClient } from '@llmgw/core';

/**
 * MCP sessions without session state on any pod: everything a session is (the key it belongs
 * to, the protocol version agreed, when it ends) is sealed into its `Mcp-Session-Id` with an
 * HMAC-SHA256, so every pod can check an id another pod issued, and a restart loses nothing.
 * The HMAC key is GW_MCP_SESSION_SECRET, or else one random key made once and shared through
 * Redis (`gw:rt:{mcp}:session-secret`, SET NX: the first pod's wins). The id is not encrypted:
 * it holds the key's id (not a secret) and no credential; it cannot be forged or altered.
 */

/** What a session id holds. */
export interface McpSession {
  /** Id of the gateway key that opened it (another key's requests cannot use it). */
  keyId: string;
  /** Protocol version agreed at initialize. */
  version: string;
  /** Epoch ms when it ends. */
  exp: number;
}

interface Sealed {
  k: string;
  v: string;
  e: number;
  /** Makes every id unique. */
  n: string;
}

const MAC_CHARS = 43; // 32 bytes, base64url

export class SessionSealer {
  /** `secrets[0]` seals; every one of them opens (ids sealed before a change of secret stay valid). */
  constructor(private readonly secrets: readonly Buffer[]) {}

  seal(s: McpSession): string {
    const payload = Buffer.from(JSON.stringify({ k: s.keyId, v: s.version, e: s.exp, n: randomBytes(6).toString('base64url') } satisfies Sealed)).toString('base64url');
    return `${payload}.${mac(this.secrets[0]!, payload)}`;
  }

  /** The session of an id: `bad` when forged, altered or malformed (or sealed with a secret this pod does not know), `over` when past its end. */
  open(id: string, now = Date.now()): McpSession | 'bad' | 'over' {
    const dot = id.indexOf('.');
    if (dot <= 0 || id.length - dot - 1 !== MAC_CHARS) return 'bad';
    const payload = id.slice(0, dot);
    const given = Buffer.from(id.slice(dot + 1));
    if (!this.secrets.some((k) => timingSafeEqual(given, Buffer.from(mac(k, payload))))) return 'bad';
    try {
      const s = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Partial<Sealed>;
      if (typeof s.k !== 'string' || typeof s.v !== 'string' || typeof s.e !== 'number') return 'bad';
      return s.e <= now ? 'over' : { keyId: s.k, version: s.v, exp: s.e };
    } catch {
      return 'bad';
    }
  }
}

function mac(secret: Buffer, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** Seals and opens session ids with the pod's current sealer. */
export interface SessionKeys {
  seal(s: McpSession): Promise<string>;
  /** The session, or null when the id is not one of ours or is over. */
  open(id: string): Promise<McpSession | null>;
}

/** Secrets a pod keeps after Redis gave it a new one (ids sealed with them still open). */
const KEEP_SECRETS = 4;
/** Least time between two reads of the shared secret caused by ids that did not open. */
const REFRESH_MS = 100;

/**
 * The session keys: the configured secret, or the one shared in Redis (made there by the first
 * pod that needs it, SET NX). Each seal (one per session) and each id that does not open (at
 * most every 100 ms) reads it again: after Redis lost it (restarted empty, flushed) the first
 * pod to need it puts its own back and the others take it, keeping the ones they had, so no
 * session is lost. A failed Redis read is tried again on the next request.
 */
export function sessionKeys(redis: RedisClient, configured: string | undefined): SessionKeys {
  if (configured) {
    const sealer = new SessionSealer([Buffer.from(configured)]);
    return { seal: (s) => Promise.resolve(sealer.seal(s)), open: (id) => Promise.resolve(opened(sealer.open(id))) };
  }
  let secrets: Buffer[] = [];
  let sealer: Promise<SessionSealer> | null = null;
  let refreshedAt = 0;
  const load = (): Promise<SessionSealer> => {
    refreshedAt = Date.now();
    const p = (async () => {
      const mine = secrets[0]?.toString() ?? randomBytes(32).toString('base64url');
      await redis.set(RT_KEYS.mcpSessionSecret, mine, 'NX');
      const shared = await redis.get(RT_KEYS.mcpSessionSecret);
      if (!shared) throw new Error('the MCP session secret vanished from Redis');
      if (secrets[0]?.toString() !== shared) secrets = [Buffer.from(shared), ...secrets].slice(0, KEEP_SECRETS);
      return new SessionSealer(secrets);
    })();
    p.catch(() => {
      if (sealer === p) sealer = null;
    });
    sealer = p;
    return p;
  };
  const current = () => sealer ?? load();
  return {
    // Read at every seal (one per session): a secret Redis lost is put back before it seals anything.
    seal: async (s) => (await load()).seal(s),
    async open(id) {
      const r = (await current()).open(id);
      if (r !== 'bad' || Date.now() - refreshedAt < REFRESH_MS) return opened(r);
      return opened((await load()).open(id));
    },
  };
}

function opened(r: McpSession | 'bad' | 'over'): McpSession | null {
  return typeof r === 'string' ? null : r;
}
