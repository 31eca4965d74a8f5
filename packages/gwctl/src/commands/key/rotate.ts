import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { REPORT_FORMATS, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { mustFindKey, printNewKey } from './options.js';

export interface KeyRotateOptions extends FormatFlags {
  ref: string;
}

export async function keyRotate(ctx: Context, o: KeyRotateOptions): Promise<void> {
  const k = await mustFindKey(ctx, o.ref);
  if (!(await ctx.prompt.confirm(`Rotate key ${k.name}? The current secret (${k.prefix}…) stops working at once.`, `rotate key ${k.name}`))) {
    throw new UserError('cancelled; nothing was changed');
  }
  const { key, raw } = await ctx.registry.rotateKey(k.hash);
  printNewKey(ctx, key, raw, 'rotated', o);
}

export function rotateCommand(run: Runner): Command {
  const cmd = new Command('rotate')
    .description('issue a new secret for a key (same id and settings) and print it once')
    .argument('<ref>', 'key name, id or prefix');
  return withOutputFlags(cmd, REPORT_FORMATS)
    .addHelpText('after', '\nThe old secret stops working at once. Asks for confirmation; pass --yes in scripts.')
    .action((ref: string, opts: Omit<KeyRotateOptions, 'ref'>, c: Command) => run(c, (ctx) => keyRotate(ctx, { ...opts, ref })));
}
