import type { EntityWrite } from './registry-bulk-write.js';
import type { CurrentRegistry } from './registry-current.js';
import type { DesiredRegistry, DocumentIssue, DocumentPath, DocumentSection } from './registry-document.js';
import type { FieldChange } from './registry-fields.js';
import type { EntityKind } from './redis-keys.js';
import { SCHEMA_VERSION, toRedisHash } from './schemas.js';

/** One entity a document creates, changes or deletes. */
export interface EntityChange {
  kind: EntityKind;
  /** Provider, model or key name. */
  name: string;
  op: 'create' | 'update' | 'delete';
  /** The fields that change (for a create, those not at their default; none for a delete). */
  fields: FieldChange[];
}

/** What a plan is being built from and into (internal to planRegistry). */
export interface PlanContext {
  desired: DesiredRegistry;
  current: CurrentRegistry;
  prune: boolean;
  env: NodeJS.ProcessEnv;
  /** ISO time stamped on every record written. */
  now: string;
  issues: DocumentIssue[];
  warnings: string[];
  changes: EntityChange[];
  writes: EntityWrite[];
}

export function issue(c: PlanContext, path: DocumentPath, message: string): void {
  c.issues.push({ path, message });
}

/** Whether `--prune` deletes in this section (only in the sections the document has). */
export function prunes(c: PlanContext, section: DocumentSection): boolean {
  return c.prune && c.desired.sections.has(section);
}

interface Stamped {
  created_at?: string | undefined;
  updated_at?: string | undefined;
}

/** A record as written: schema version and timestamps set (creation time kept from `prev`). */
export function stamped(c: PlanContext, record: object, prev: Stamped | null): Record<string, string> {
  return toRedisHash({ ...record, v: SCHEMA_VERSION, created_at: prev?.created_at ?? c.now, updated_at: c.now });
}

/** The record without its name (a document's map key) and what the registry sets on every write. */
export function comparable<T extends Stamped & { v?: number; name?: string }>(record: T): Record<string, unknown> {
  const { v: _v, created_at: _c, updated_at: _u, name: _n, ...rest } = record;
  return rest;
}
