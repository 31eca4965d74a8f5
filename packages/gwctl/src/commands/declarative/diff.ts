import { Command, Option } from 'commander';
import { diffRegistry } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { ExitWith } from '../../errors.js';
import { countChanges, printChanges, printData, CHANGES_FORMATS, type ChangesFormat } from './print-changes.js';
import { readDocument, withFileIssues } from './read-document.js';

interface DiffOptions {
  file: string;
  prune?: boolean;
  output?: ChangesFormat;
}

/** Exit codes of `gwctl diff`, as diff(1) and `kubectl diff` have them. */
const DIFF_EXIT = { same: 0, differ: 1, trouble: 2 } as const;

/** Prints what `gwctl apply -f FILE` would change; returns whether anything would. */
async function registryDiff(ctx: Context, o: DiffOptions): Promise<boolean> {
  const doc = await readDocument(o.file);
  const r = await withFileIssues(ctx.out, doc, () => diffRegistry(ctx.registry, doc.value, { prune: o.prune ?? false, env: ctx.env, now: ctx.now }));
  for (const w of r.warnings) ctx.out.warn(w);
  if (o.output === 'json' || o.output === 'yaml') printData(ctx.out, { changes: r.changes, warnings: r.warnings }, o.output);
  else if (r.changes.length === 0) ctx.out.info(`no differences: the registry matches ${o.file}`);
  else {
    printChanges(ctx.out, r.changes);
    const n = countChanges(r.changes);
    ctx.out.line(`${n.create} to create, ${n.update} to update, ${n.delete} to delete`);
  }
  return r.changes.length > 0;
}

export function diffCommand(run: Runner): Command {
  return new Command('diff')
    .description('show what gwctl apply -f FILE would change (exit 0: no differences, 1: differences, 2: could not compare)')
    .requiredOption('-f, --file <path>', 'the registry document (YAML or JSON)')
    .option('--prune', 'also show what --prune would delete')
    .addOption(new Option('-o, --output <format>', 'text for people, json or yaml for scripts').choices(CHANGES_FORMATS).default('text'))
    .addHelpText('after', '\nExample:\n  gwctl diff -f registry.yaml || echo "the registry drifted from registry.yaml"')
    .action(async (opts: DiffOptions, c: Command) => {
      let differ = false;
      try {
        await run(c, async (ctx) => {
          differ = await registryDiff(ctx, opts);
        });
      } catch (e) {
        throw new ExitWith(DIFF_EXIT.trouble, e);
      }
      if (differ) throw new ExitWith(DIFF_EXIT.differ);
    });
}
