import { Command } from 'commander';
import { updateMcpServer } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { collect } from '../../parse.js';
import { mcpChange, mustGetMcp, withMcpFlags, type McpFlags } from './options.js';

interface McpEditOptions extends McpFlags {
  name: string;
  removeHeader?: string[];
  enable?: boolean;
  disable?: boolean;
}

async function mcpEdit(ctx: Context, o: McpEditOptions): Promise<void> {
  if (o.enable && o.disable) throw new UserError('--enable and --disable exclude each other');
  const change = mcpChange(o);
  if (Object.keys(change).length === 0 && !o.header?.length && !o.removeHeader?.length && !o.enable && !o.disable) {
    throw new UserError(`nothing to change for mcp server "${o.name}"; pass at least one flag (see gwctl mcp edit --help)`);
  }
  await mustGetMcp(ctx, o.name);
  const s = await updateMcpServer(
    ctx.registry,
    o.name,
    (prev) => {
      const headers = { ...prev.headers, ...Object.fromEntries(o.header ?? []) };
      for (const h of o.removeHeader ?? []) {
        const key = Object.keys(headers).find((k) => k.toLowerCase() === h.toLowerCase());
        if (!key) throw new UserError(`--remove-header ${h}: mcp server "${o.name}" has no such header`);
        delete headers[key];
      }
      return { ...change, headers, ...(o.enable ? { status: 'active' as const } : o.disable ? { status: 'disabled' as const } : {}) };
    },
    ctx.now(),
  );
  ctx.out.line(`mcp server ${s.name} updated: ${s.transport} ${s.url}, ${Object.keys(s.headers).length} header(s), ${s.status}`);
}

export function editCommand(run: Runner): Command {
  const cmd = new Command('edit').description('change an MCP server').argument('<name>', 'server name');
  return withMcpFlags(cmd, 'edit')
    .option('--remove-header <name>', 'remove a header (repeatable)', collect)
    .option('--enable', 'serve it again')
    .option('--disable', 'stop serving it (its tools disappear from every list)')
    .action((name: string, opts: Omit<McpEditOptions, 'name'>, c: Command) => run(c, (ctx) => mcpEdit(ctx, { ...opts, name })));
}
