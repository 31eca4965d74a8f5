import { Command, InvalidArgumentError } from 'commander';
import { importedKeyProblem, MIN_IMPORTED_KEY_LENGTH, type ImportedKeyRules } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { aliasOption } from '../../option-alias.js';
import { REPORT_FORMATS, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { withoutTrailingNewline } from '../../stdin.js';
import { warnUnpriced } from '../../warn-unpriced.js';
import { checkProviders, keyChange, printNewKey, withKeyFlags, type KeyFlags } from './options.js';

export interface KeyAddOptions extends KeyFlags, FormatFlags {
  name: string;
  /** Import this raw key instead of generating one; `-` reads it from standard input. */
  key?: string;
  /** Accept a key from stdin shorter than MIN_IMPORTED_KEY_LENGTH (a typed one needs no flag). */
  allowShortKey?: boolean;
  disabled?: boolean;
  /**
   * one-api-nginx's `--status`: sets `disabled`, and marks the command as written in its
   * spelling, where the argument is the key itself (see `keyAdd`).
   */
  status?: boolean;
}

/** `--key -`: the raw key comes from stdin, kept out of shell history and `ps`. */
const FROM_STDIN = '-';

/** Where the raw key comes from, which decides whether a short one was acknowledged. */
type KeySource = { raw: string; typed: boolean; flag: string };

/** The raw key to import (read from stdin for `-`), checked; undefined to generate one. */
async function importedKey(ctx: Context, o: KeyAddOptions): Promise<KeySource | undefined> {
  if (o.key === undefined) {
    // one-api-nginx stores a key under its own value (`key add demo` → clients send `Bearer demo`).
    return o.status !== undefined ? { raw: o.name, typed: true, flag: `the key "${o.name}"` } : undefined;
  }
  if (o.key !== FROM_STDIN) return { raw: o.key, typed: true, flag: '--key' };
  const raw = withoutTrailingNewline(await ctx.readSecret('--key', 'Gateway key to import'));
  // A second line would become part of the key, which no client could ever send in a header.
  if (raw.includes('\n')) throw new UserError('--key -: standard input holds more than one line', 'pipe the key alone');
  return { raw, typed: false, flag: '--key' };
}

/**
 * A short key is guessable. It is accepted when the person typed it on this command line
 * (`--key demo`, or one-api-nginx's `key add demo`): they saw and chose it, and get a warning.
 * From stdin or a prompt nobody saw it, and a short value there is far more often an unset
 * variable, a truncated file or the wrong file than a choice: it needs `--allow-short-key`.
 */
function checkImportedKey(ctx: Context, o: KeyAddOptions, k: KeySource): ImportedKeyRules {
  const rules: ImportedKeyRules = { allowShort: k.typed || Boolean(o.allowShortKey) };
  // Checked before anything is read from or written to Redis; the message never quotes a key from stdin.
  const problem = importedKeyProblem(k.raw, rules);
  if (problem) {
    const hint = /too short/.test(problem) ? 'a short key is guessable; pass --allow-short-key if you mean it' : undefined;
    throw new UserError(`${k.flag} ${problem}`, hint);
  }
  if (k.raw.length < MIN_IMPORTED_KEY_LENGTH) {
    ctx.out.warn(`${k.flag} is ${k.raw.length} characters long: anyone can guess it; keep it to local demos (gwctl key rotate ${o.name} issues a strong one)`);
  }
  return rules;
}

/**
 * Create a key. Written in one-api-nginx's spelling (`key add demo --status active …`,
 * without `--key`), the argument is both the name and the key clients send, as there.
 */
export async function keyAdd(ctx: Context, o: KeyAddOptions): Promise<void> {
  const imported = await importedKey(ctx, o);
  const rules = imported ? checkImportedKey(ctx, o, imported) : undefined;
  const change = keyChange(o, ctx.now());
  if (o.disabled) change.status = 'disabled';
  await checkProviders(ctx, change.providers);
  if (imported && (await ctx.registry.getKeyByRaw(imported.raw))) throw new UserError('that key is already registered', 'see gwctl key list');
  if (o.key === undefined && imported) {
    ctx.out.warn(
      `one-api-nginx form (key add KEY --status …): "${o.name}" is both the name and the key clients send (Authorization: Bearer ${o.name}), so the name is a secret too; for a generated key leave out --status`,
    );
  }
  const { key, raw } = await ctx.registry.createKey({ ...change, name: o.name }, imported?.raw, rules);
  printNewKey(ctx, key, imported ? null : raw, 'created', o);
  await warnUnpriced(ctx, { keys: [key] });
}

export function addCommand(run: Runner): Command {
  const cmd = new Command('add')
    .description('create a gateway key and print it once')
    .argument('<name>', 'key name (letters, digits, . _ -), unique')
    .option('--key <raw>', `import an existing raw key instead of generating one (printable ASCII, no whitespace; under ${MIN_IMPORTED_KEY_LENGTH} characters warned about); - reads it from stdin or asks without echo`)
    .option('--allow-short-key', `accept a key from stdin shorter than ${MIN_IMPORTED_KEY_LENGTH} characters (one typed with --key needs no flag)`)
    .option('--disabled', 'create it disabled (gwctl key enable turns it on)');
  withOutputFlags(cmd, REPORT_FORMATS);
  withKeyFlags(cmd, 'add');
  aliasOption(cmd, {
    flags: '--status <status>',
    ours: '--disabled',
    from: 'one-api-nginx: active or disabled; without --key, NAME is then the key itself, as there',
    value: (v) => {
      if (v !== 'active' && v !== 'disabled') throw new InvalidArgumentError('use active or disabled.');
      return v === 'disabled';
    },
  }).addHelpText(
    'after',
    `
Examples:
  gwctl key add team-a --model-allow "gpt-4o*" --rpm 600 --budget-monthly 50
  gwctl key add ci --model-allow "gpt-4o-mini" --expires 30d -o json
  gwctl key add legacy --key - < legacy-key.txt     (import a key without putting it on the command line)
  gwctl key add demo --providers openai --status active --policy rr --model-allow "*"
                                                     (one-api-nginx's form: the key clients send is "demo")`,
  );
  return cmd.action((name: string, opts: Omit<KeyAddOptions, 'name'>, c: Command) => run(c, (ctx) => keyAdd(ctx, { ...opts, name })));
}
