import { Command, Option } from 'commander';
import { applyRegistry, diffRegistry, type RegistryDiff } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { countChanges, printChanges, printData, CHANGES_FORMATS, type ChangesFormat } from './print-changes.js';
import { readDocument, withFileIssues } from './read-document.js';

interface ApplyOptions {
  file: string;
  prune?: boolean;
  dryRun?: boolean;
  output?: ChangesFormat;
}

/** The outcome of an apply (or of what a dry run would do), on stdout. */
export function printApplied(ctx: Context, r: RegistryDiff & { revision?: number }, o: { dryRun?: boolean; output?: ChangesFormat; source: string }): void {
  for (const w of r.warnings) ctx.out.warn(w);
  if (o.output === 'json' || o.output === 'yaml') {
    return printData(ctx.out, { dry_run: Boolean(o.dryRun), changes: r.changes, warnings: r.warnings, ...(r.revision !== undefined ? { revision: r.revision } : {}) }, o.output);
  }
  printChanges(ctx.out, r.changes);
  const n = countChanges(r.changes);
  if (r.changes.length === 0) ctx.out.line(`no changes: the registry already matches ${o.source}`);
  else if (o.dryRun) ctx.out.line(`dry run: would create ${n.create}, update ${n.update}, delete ${n.delete}; nothing was written`);
  else ctx.out.line(`applied: ${n.create} created, ${n.update} updated, ${n.delete} deleted (gw:rev ${r.revision})`);
}

/** Deletions (from --prune) are destructive: confirmed on a terminal, --yes otherwise, as `gwctl key del`. */
async function confirmDeletions(ctx: Context, diff: RegistryDiff): Promise<void> {
  const gone = diff.changes.filter((c) => c.op === 'delete').map((c) => `${c.kind}/${c.name}`);
  if (gone.length === 0) return;
  const list = gone.length > 5 ? `${gone.slice(0, 5).join(', ')} and ${gone.length - 5} more` : gone.join(', ');
  const action = `delete ${gone.length} entit${gone.length === 1 ? 'y' : 'ies'} (${list})`;
  if (!(await ctx.prompt.confirm(`Apply and ${action}?`, action))) throw new UserError('cancelled; nothing was changed');
}

async function registryApply(ctx: Context, o: ApplyOptions): Promise<void> {
  const doc = await readDocument(o.file);
  const opts = { prune: o.prune ?? false, env: ctx.env, now: ctx.now };
  const r = await withFileIssues(ctx.out, doc, () =>
    o.dryRun ? diffRegistry(ctx.registry, doc.value, opts) : applyRegistry(ctx.registry, doc.value, { ...opts, beforeWrite: (d) => confirmDeletions(ctx, d) }),
  );
  printApplied(ctx, r, { ...o, source: o.file });
}

export function applyCommand(run: Runner): Command {
  return new Command('apply')
    .description('make the registry match a YAML or JSON file, in one atomic write (see gwctl export for the format)')
    .requiredOption('-f, --file <path>', 'the registry document (YAML or JSON)')
    .option('--prune', 'also delete what the file does not name, in the sections it has (a file without keys: leaves keys alone); deletions are confirmed (--yes in scripts)')
    .option('--dry-run', 'print what would change and write nothing')
    .addOption(new Option('-o, --output <format>', 'text for people, json or yaml for scripts').choices(CHANGES_FORMATS).default('text'))
    .addHelpText(
      'after',
      `
Keys are matched by name. A key the registry lacks is created from a raw key given as
key: env:NAME in the file, read from gwctl's environment. Every problem is reported as
file:line:col before anything is written; the whole change then bumps gw:rev once.

Examples:
  gwctl export > registry.yaml && $EDITOR registry.yaml && gwctl diff -f registry.yaml
  gwctl apply -f registry.yaml
  gwctl apply -f registry.yaml --prune --dry-run`,
    )
    .action((opts: ApplyOptions, c: Command) => run(c, (ctx) => registryApply(ctx, opts)));
}
