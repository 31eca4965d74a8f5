import { Command } from 'commander';
import { deleteMcpServer } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { mustGetMcp } from './options.js';

async function mcpDel(ctx: Context, o: { name: string }): Promise<void> {
  await mustGetMcp(ctx, o.name);
  if (!(await ctx.prompt.confirm(`Delete mcp server ${o.name}?`, `delete mcp server ${o.name}`))) throw new UserError('cancelled; nothing was changed');
  await deleteMcpServer(ctx.registry, o.name);
  ctx.out.line(`mcp server ${o.name} deleted`);
}

export function delCommand(run: Runner): Command {
  return new Command('del')
    .alias('rm')
    .description('delete an MCP server (key grants naming it stay, and match nothing)')
    .argument('<name>', 'server name')
    .action((name: string, _opts: unknown, c: Command) => run(c, (ctx) => mcpDel(ctx, { name })));
}
