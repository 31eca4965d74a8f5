import { Command } from 'commander';
import { MIN_IMPORTED_KEY_LENGTH } from '@llmgw/core';
import type { Context } from '../../context.js';
import { UserError } from '../../errors.js';
import type { Runner } from '../../program.js';
import { checkProviders, keyChange, printNewKey, withKeyFlags, type KeyFlags } from './options.js';

export interface KeyAddOptions extends KeyFlags {
  name: string;
  /** Import this raw key instead of generating one. */
  key?: string;
  json?: boolean;
}

export async function keyAdd(ctx: Context, o: KeyAddOptions): Promise<void> {
  if (o.key !== undefined && o.key.length < MIN_IMPORTED_KEY_LENGTH) {
    throw new UserError(`--key is too short: an imported key needs at least ${MIN_IMPORTED_KEY_LENGTH} characters`);
  }
  const change = keyChange(o, ctx.now());
  await checkProviders(ctx, change.providers);
  if (o.key !== undefined && (await ctx.registry.getKeyByRaw(o.key))) throw new UserError('that key is already registered');
  const { key, raw } = await ctx.registry.createKey({ ...change, name: o.name }, o.key);
  printNewKey(ctx, key, raw, 'created', o.json);
}

export function addCommand(run: Runner): Command {
  const cmd = new Command('add')
    .description('create a gateway key and print it once')
    .argument('<name>', 'key name (letters, digits, . _ -), unique')
    .option('--key <raw>', `import an existing raw key instead of generating one (at least ${MIN_IMPORTED_KEY_LENGTH} characters)`)
    .option('--json', 'print {key, id, name, prefix} as JSON');
  withKeyFlags(cmd, 'add').addHelpText(
    'after',
    `
Examples:
  gwctl key add team-a --model-allow "gpt-4o*" --rpm 600 --budget-monthly 50
  gwctl key add ci --model-allow "gpt-4o-mini" --expires 30d --json`,
  );
  return cmd.action((name: string, opts: Omit<KeyAddOptions, 'name'>, c: Command) => run(c, (ctx) => keyAdd(ctx, { ...opts, name })));
}
