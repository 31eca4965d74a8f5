import { Command } from 'commander';
import { addMcpServer } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { mcpChange, withMcpFlags, type McpFlags } from './options.js';

interface McpAddOptions extends McpFlags {
  name: string;
  disabled?: boolean;
}

async function mcpAdd(ctx: Context, o: McpAddOptions): Promise<void> {
  const change = mcpChange(o);
  if (!change.url) throw new UserError('--url is required', 'e.g. gwctl mcp add github --url https://api.githubcopilot.com/mcp/');
  const s = await addMcpServer(ctx.registry, { ...change, name: o.name, url: change.url, headers: Object.fromEntries(o.header ?? []), status: o.disabled ? 'disabled' : 'active' }, ctx.now());
  ctx.out.line(`mcp server ${s.name} added: ${s.transport} ${s.url}, ${Object.keys(s.headers).length} header(s), ${s.status}`);
  ctx.out.info(`its tools are {name}__{tool} for keys granted them: gwctl key edit KEY --mcp-tools '${s.name}__*'`);
}

export function addCommand(run: Runner): Command {
  const cmd = new Command('add').description('register an upstream MCP server').argument('<name>', 'server name: prefixes its tools ({name}__{tool}); letters, digits, - and single _').option('--disabled', 'add it disabled');
  return withMcpFlags(cmd, 'add')
    .addHelpText(
      'after',
      `
Examples:
  gwctl mcp add github --url https://api.githubcopilot.com/mcp/ --header 'Authorization: env:GITHUB_MCP_TOKEN'
  gwctl mcp add legacy --url http://tools.internal:8080/sse --transport sse
  gwctl mcp add files --url http://mcp-bridge:8790/files/mcp   (a stdio server run by the mcp-bridge)`,
    )
    .action((name: string, opts: Omit<McpAddOptions, 'name'>, c: Command) => run(c, (ctx) => mcpAdd(ctx, { ...opts, name })));
}
