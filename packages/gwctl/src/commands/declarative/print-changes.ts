import type { EntityChange, FieldChange } from '@llmgw/core';
import { stringify } from 'yaml';
import type { Output } from '../../output.js';

/** How diff, apply and import print their outcome. */
export type ChangesFormat = 'text' | 'json' | 'yaml';
export const CHANGES_FORMATS: readonly ChangesFormat[] = ['text', 'json', 'yaml'];

/** The outcome for scripts, as JSON or YAML. */
export function printData(out: Output, value: object, format: 'json' | 'yaml'): void {
  if (format === 'json') out.json(value);
  else out.line(stringify(value).replace(/\n$/, ''));
}

const MARK = { create: '+', update: '~', delete: '-' } as const;

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function fieldLine(op: EntityChange['op'], f: FieldChange): string {
  return op === 'create' ? `${f.field}: ${show(f.to)}` : `${f.field}: ${show(f.from)} → ${show(f.to)}`;
}

/**
 * The changes as people read them, one block per entity (`+` create, `~` update, `-` delete)
 * with its fields indented below; values as diffRegistry gives them (secrets masked).
 */
export function printChanges(out: Output, changes: readonly EntityChange[]): void {
  for (const c of changes) {
    out.line(`${MARK[c.op]} ${c.kind}/${c.name}`);
    for (const f of c.fields) out.line(`    ${fieldLine(c.op, f)}`);
  }
}

/** How many entities each kind of change touches. */
export function countChanges(changes: readonly EntityChange[]): Record<EntityChange['op'], number> {
  const n = { create: 0, update: 0, delete: 0 };
  for (const c of changes) n[c.op]++;
  return n;
}
