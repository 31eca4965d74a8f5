import { Command } from 'commander';
import { importedKeyProblem, MIN_IMPORTED_KEY_LENGTH } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { withoutTrailingNewline } from '../../stdin.js';
import { warnUnpriced } from '../../warn-unpriced.js';
import { checkProviders, keyChange, printNewKey, withKeyFlags, type KeyFlags } from './options.js';

export interface KeyAddOptions extends KeyFlags {
  name: string;
  /** Import this raw key instead of generating one; `-` reads it from standard input. */
  key?: string;
  json?: boolean;
}

/** `--key -`: the raw key comes from stdin, kept out of shell history and `ps`. */
const FROM_STDIN = '-';

/** The raw key to import (read from stdin for `-`), checked; undefined to generate one. */
async function importedKey(ctx: Context, flag: string | undefined): Promise<string | undefined> {
  if (flag === undefined) return undefined;
  let raw = flag;
  if (flag === FROM_STDIN) {
    raw = withoutTrailingNewline(await ctx.readStdin('--key'));
    // A second line would become part of the key, which no client could ever send in a header.
    if (raw.includes('\n')) throw new UserError('--key -: standard input holds more than one line; pipe the key alone');
  }
  // Checked before anything is read from or written to Redis; the message never quotes the key.
  const problem = importedKeyProblem(raw);
  if (problem) throw new UserError(`--key ${problem}`);
  return raw;
}

export async function keyAdd(ctx: Context, o: KeyAddOptions): Promise<void> {
  const imported = await importedKey(ctx, o.key);
  const change = keyChange(o, ctx.now());
  await checkProviders(ctx, change.providers);
  if (imported !== undefined && (await ctx.registry.getKeyByRaw(imported))) throw new UserError('that key is already registered');
  const { key, raw } = await ctx.registry.createKey({ ...change, name: o.name }, imported);
  printNewKey(ctx, key, raw, 'created', o.json);
  await warnUnpriced(ctx, { keys: [key] });
}

export function addCommand(run: Runner): Command {
  const cmd = new Command('add')
    .description('create a gateway key and print it once')
    .argument('<name>', 'key name (letters, digits, . _ -), unique')
    .option('--key <raw>', `import an existing raw key instead of generating one (at least ${MIN_IMPORTED_KEY_LENGTH} printable ASCII characters, no whitespace); - reads it from stdin`)
    .option('--json', 'print {key, id, name, prefix} as JSON');
  withKeyFlags(cmd, 'add').addHelpText(
    'after',
    `
Examples:
  gwctl key add team-a --model-allow "gpt-4o*" --rpm 600 --budget-monthly 50
  gwctl key add ci --model-allow "gpt-4o-mini" --expires 30d --json
  gwctl key add legacy --key - < legacy-key.txt     (import a key without putting it on the command line)`,
  );
  return cmd.action((name: string, opts: Omit<KeyAddOptions, 'name'>, c: Command) => run(c, (ctx) => keyAdd(ctx, { ...opts, name })));
}
