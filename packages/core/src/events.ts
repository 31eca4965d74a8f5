import type { EntityKind } from './redis-keys.js';

/** Published on `gw:events` after every registry write. */
export interface RegistryEvent {
  kind: EntityKind;
  /** Provider name, model name, or key hash. */
  name: string;
  op: 'put' | 'del';
  /** `gw:rev` after the write. */
  rev: number;
}

/** One entity changed by a bulk write. */
export interface RegistryChange {
  kind: EntityKind;
  /** Provider name, model name, or key hash. */
  name: string;
  op: 'put' | 'del';
}

/**
 * Published once by a bulk write (`applyRegistry`): every entity it changed, or `changes: null`
 * when there were too many to list (subscribers then drop everything they hold).
 * A subscriber that does not know this event misses it and is caught up by its `gw:rev` poll.
 */
export interface RegistryBulkEvent {
  kind: 'bulk';
  rev: number;
  changes: RegistryChange[] | null;
}

function isEntityKind(k: unknown): k is EntityKind {
  return k === 'provider' || k === 'key' || k === 'model' || k === 'mcp';
}

function parseChange(c: Partial<RegistryChange> | null | undefined): RegistryChange | null {
  if (!c || !isEntityKind(c.kind) || typeof c.name !== 'string') return null;
  return { kind: c.kind, name: c.name, op: c.op === 'del' ? 'del' : 'put' };
}

export function parseRegistryEvent(message: string): RegistryEvent | RegistryBulkEvent | null {
  try {
    const e = JSON.parse(message) as Partial<RegistryEvent> | (Partial<RegistryBulkEvent> & { changes?: unknown });
    const rev = Number(e.rev) || 0;
    if (e.kind === 'bulk') {
      const changes = Array.isArray(e.changes) ? e.changes.map((c) => parseChange(c as Partial<RegistryChange>)).filter((c) => c !== null) : null;
      return { kind: 'bulk', rev, changes };
    }
    const one = parseChange(e as Partial<RegistryEvent>);
    if (one) return { ...one, rev };
  } catch {
    /* not ours */
  }
  return null;
}
