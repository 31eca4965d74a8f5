import { Command } from 'commander';
import { readKeySpend } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { outputFormat, printOne, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { toKeyFields, toKeyView } from '../../views/key.js';
import { toKeySpendFields, toKeySpendView } from '../../views/key-spend.js';
import { mustFindKey } from './options.js';

export interface KeyShowOptions extends FormatFlags {
  ref: string;
}

export async function keyShow(ctx: Context, o: KeyShowOptions): Promise<void> {
  const f = outputFormat(o);
  const k = await mustFindKey(ctx, o.ref);
  const spend = await readKeySpend(ctx.redis, k.id, ctx.now());
  printOne(ctx, f, {
    data: () => ({ ...toKeyView(k, ctx.now()), usage: toKeySpendView(k, spend) }),
    name: k.name,
    fields: () => [...toKeyFields(k, ctx.now()), ...toKeySpendFields(k, spend)],
  });
}

export function showCommand(run: Runner): Command {
  const cmd = new Command('show').description('show one key (its settings and hash; the raw key is never stored)').argument('<ref>', 'key name, id or prefix');
  return withOutputFlags(cmd).action((ref: string, opts: Omit<KeyShowOptions, 'ref'>, c: Command) => run(c, (ctx) => keyShow(ctx, { ...opts, ref })));
}
