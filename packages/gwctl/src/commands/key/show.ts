import { Command } from 'commander';
import { readKeySpend } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { toKeyFields, toKeyView } from '../../views/key.js';
import { toKeySpendFields, toKeySpendView } from '../../views/key-spend.js';
import { mustFindKey } from './options.js';

export interface KeyShowOptions {
  ref: string;
  json?: boolean;
}

export async function keyShow(ctx: Context, o: KeyShowOptions): Promise<void> {
  const k = await mustFindKey(ctx, o.ref);
  const spend = await readKeySpend(ctx.redis, k.id, ctx.now());
  if (o.json) return ctx.out.json({ ...toKeyView(k, ctx.now()), usage: toKeySpendView(k, spend) });
  ctx.out.fields([...toKeyFields(k, ctx.now()), ...toKeySpendFields(k, spend)]);
}

export function showCommand(run: Runner): Command {
  return new Command('show')
    .description('show one key (its settings and hash; the raw key is never stored)')
    .argument('<ref>', 'key name, id or prefix')
    .option('--json', 'machine-readable output')
    .action((ref: string, opts: Omit<KeyShowOptions, 'ref'>, c: Command) => run(c, (ctx) => keyShow(ctx, { ...opts, ref })));
}
