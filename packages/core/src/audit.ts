import { hostname, userInfo } from 'node:os';
import { maskSecret } from './secrets.js';
import type { RedisClient } from './redis-connect.js';

/** The audit stream: every registry and admin-token write, newest last (see docs/console.md). */
const AUDIT_STREAM = 'gw:audit';
/** Entries kept (approximately: `XADD MAXLEN ~`). */
const AUDIT_MAXLEN = 100_000;

/** One audited write. `before`/`after` are the records with secrets masked (null: absent). */
export interface AuditEntry {
  /** Stream id (`<ms>-<seq>`); assigned by Redis. */
  id: string;
  /** Epoch ms. */
  ts: number;
  /** Who: an admin token's name (`token:NAME`) or `gwctl@host`. */
  actor: string;
  /** What: `<kind>.<verb>` (`key.create`, `provider.update`, `model.delete`, `token.create`, `registry.apply`). */
  action: string;
  /** The entity's name (for a key: its name, not its hash). */
  target: string;
  before: unknown;
  after: unknown;
}

/** The actor of a gwctl run: `gwctl@host` (with the OS user when known). */
export function gwctlActor(): string {
  let user = '';
  try {
    user = userInfo().username;
  } catch {
    /* no user entry in a container */
  }
  return `gwctl@${user ? `${user}@` : ''}${hostname()}`;
}

/** Fields whose values are secret wherever they appear in an audited record. */
const SECRET_LIST_FIELDS = new Set(['secrets']);
const SECRET_MAP_FIELDS = new Set(['headers']);

/** A copy of a record fit for the audit log: upstream secrets and header values masked. */
function auditView(record: object | null | undefined): unknown {
  if (!record) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (SECRET_LIST_FIELDS.has(k) && Array.isArray(v)) out[k] = v.map((s) => maskSecret(String(s)));
    else if (SECRET_MAP_FIELDS.has(k) && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.keys(v).map((h) => [h, '****']));
    } else out[k] = v;
  }
  return out;
}

/**
 * Append one entry. Best effort after the write it describes (a separate key, so not in the
 * write's script): a failure here is reported to `onError` and never undoes the write.
 */
export async function appendAudit(redis: RedisClient, e: Omit<AuditEntry, 'id' | 'ts'> & { ts?: number }): Promise<void> {
  const ts = e.ts ?? Date.now();
  await redis.xadd(
    AUDIT_STREAM, 'MAXLEN', '~', String(AUDIT_MAXLEN), '*',
    'ts', String(ts), 'actor', e.actor, 'action', e.action, 'target', e.target,
    'before', JSON.stringify(auditView(e.before as object | null)), 'after', JSON.stringify(auditView(e.after as object | null)),
  );
}

function parseJson(s: string | undefined): unknown {
  if (s === undefined) return null;
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

export interface AuditQuery {
  /** Most entries returned (default 100, at most 1000). */
  limit?: number;
  /** Only entries older than this stream id (paging backwards). */
  before?: string;
  actor?: string;
  /** Action prefix (`key.` or `key.create`). */
  action?: string;
}

/** Newest first. Filters apply to the page read, so a filtered page may be shorter than `limit`. */
export async function readAudit(redis: RedisClient, q: AuditQuery = {}): Promise<AuditEntry[]> {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
  const end = q.before ? `(${q.before}` : '+';
  const page = await redis.xrevrange(AUDIT_STREAM, end, '-', 'COUNT', limit);
  const out: AuditEntry[] = [];
  for (const [id, fields] of page) {
    const m: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) m[fields[i]!] = fields[i + 1]!;
    const e: AuditEntry = {
      id, ts: Number(m.ts) || 0, actor: m.actor ?? '', action: m.action ?? '', target: m.target ?? '',
      before: parseJson(m.before), after: parseJson(m.after),
    };
    if (q.actor && e.actor !== q.actor) continue;
    if (q.action && !e.action.startsWith(q.action)) continue;
    out.push(e);
  }
  return out;
}
