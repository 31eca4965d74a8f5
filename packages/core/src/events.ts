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

export function parseRegistryEvent(message: string): RegistryEvent | null {
  try {
    const e = JSON.parse(message) as Partial<RegistryEvent>;
    if ((e.kind === 'provider' || e.kind === 'key' || e.kind === 'model') && typeof e.name === 'string') {
      return { kind: e.kind, name: e.name, op: e.op === 'del' ? 'del' : 'put', rev: Number(e.rev) || 0 };
    }
  } catch {
    /* not ours */
  }
  return null;
}
