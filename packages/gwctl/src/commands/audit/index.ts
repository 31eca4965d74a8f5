import { Command } from 'commander';
import { readAudit } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { outputFormat, printList, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { parseInteger } from '../../parse.js';

interface AuditOptions extends FormatFlags {
  limit?: number;
  actor?: string;
  action?: string;
}

/** `gwctl audit`: the newest registry and token writes, from gwctl and the console. */
export async function auditList(ctx: Context, o: AuditOptions): Promise<void> {
  const entries = await readAudit(ctx.redis, { limit: o.limit ?? 50, actor: o.actor, action: o.action });
  printList(ctx, outputFormat(o), {
    items: entries,
    data: () => entries,
    name: (e) => e.id,
    head: ['when', 'who', 'what', 'target'],
    row: (e) => [new Date(e.ts).toISOString(), e.actor, e.action, e.target],
    empty: 'no audit entries yet',
  });
}

export function auditCommand(run: Runner): Command {
  const cmd = new Command('audit')
    .description('who changed what: the audit log of every registry and admin-token write (newest first; -o json for before/after)')
    .option('--limit <n>', 'entries to show (default 50, at most 1000)', parseInteger)
    .option('--actor <who>', 'only this actor (token:NAME or gwctl@…)')
    .option('--action <prefix>', 'only actions starting so (key., provider.update, token.)');
  return withOutputFlags(cmd).action((opts: AuditOptions, c: Command) => run(c, (ctx) => auditList(ctx, opts)));
}
