import { Command, Option } from 'commander';
import { ADMIN_ROLES, AdminTokenError, createAdminToken, deleteAdminToken, listAdminTokens } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { isDataFormat, outputFormat, printList, REPORT_FORMATS, withOutputFlags, type FormatFlags } from '../../output-format.js';

/** Errors about a token are the user's (a duplicate or unknown name, a bad role). */
async function asUser<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof AdminTokenError) throw new UserError(e.message, 'see gwctl admin token list');
    throw e;
  }
}

export async function adminTokenAdd(ctx: Context, o: { name: string; role: string } & FormatFlags): Promise<void> {
  const { token, raw } = await asUser(createAdminToken(ctx.redis, o.name, o.role, ctx.registry.actor));
  const f = outputFormat(o);
  if (isDataFormat(f)) return ctx.out.data({ token: raw, name: token.name, role: token.role, prefix: token.prefix }, f);
  ctx.out.line(`admin token ${token.name} created (role ${token.role}, prefix ${token.prefix}…)`);
  ctx.out.line('admin token, shown only this once (only its SHA-256 is stored):');
  ctx.out.line();
  ctx.out.line(`  ${raw}`);
  ctx.out.line();
}

export async function adminTokenList(ctx: Context, o: FormatFlags): Promise<void> {
  const tokens = await listAdminTokens(ctx.redis);
  printList(ctx, outputFormat(o), {
    items: tokens,
    data: () => tokens.map(({ hash: _hash, ...t }) => t),
    name: (t) => t.name,
    head: ['name', 'role', 'prefix', 'created', 'created by'],
    row: (t) => [t.name, t.role, `${t.prefix}…`, t.created_at, t.created_by],
    empty: 'no admin tokens yet (create one with gwctl admin token add NAME --role admin)',
  });
}

export async function adminTokenDel(ctx: Context, o: { name: string }): Promise<void> {
  if (!(await ctx.prompt.confirm(`Delete admin token ${o.name}? Its console sessions end at once.`, `delete admin token ${o.name}`))) {
    throw new UserError('cancelled; nothing was changed');
  }
  await asUser(deleteAdminToken(ctx.redis, o.name, ctx.registry.actor));
  ctx.out.line(`admin token ${o.name} deleted`);
}

/** `gwctl admin token add|list|del`: tokens of the console and its admin API. */
function tokenCommand(run: Runner): Command {
  const add = new Command('add')
    .description('create an admin token and print it once')
    .argument('<name>', 'token name (letters, digits, . _ -), unique')
    .addOption(new Option('--role <role>', 'viewer reads; editor also changes providers, models and keys; admin also manages tokens').choices(ADMIN_ROLES).makeOptionMandatory());
  withOutputFlags(add, REPORT_FORMATS).action((name: string, opts: { role: string } & FormatFlags, c: Command) => run(c, (ctx) => adminTokenAdd(ctx, { ...opts, name })));
  const list = new Command('list').alias('ls').description('list admin tokens (never the tokens themselves)');
  withOutputFlags(list).action((opts: FormatFlags, c: Command) => run(c, (ctx) => adminTokenList(ctx, opts)));
  const del = new Command('del')
    .alias('rm')
    .description('delete an admin token')
    .argument('<name>', 'token name')
    .action((name: string, _o: object, c: Command) => run(c, (ctx) => adminTokenDel(ctx, { name })));
  return new Command('token').description('admin tokens of the console and its API: add, list, del').addCommand(add).addCommand(list).addCommand(del);
}

/** `gwctl admin …`. */
export function adminCommand(run: Runner): Command {
  return new Command('admin').description('console and admin API access: tokens with roles').addCommand(tokenCommand(run));
}
