import { Command } from 'commander';
import { RT_KEYS } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { mustGetMcp } from './options.js';

/** End an MCP server's cooldown on every pod (each sees it at its next read, within GW_HEALTH_REFRESH_MS). */
async function mcpReset(ctx: Context, o: { name: string }): Promise<void> {
  await mustGetMcp(ctx, o.name);
  const until = Number((await ctx.redis.get(RT_KEYS.mcpCooldown(o.name))) ?? 0);
  await ctx.redis.del(RT_KEYS.mcpCooldown(o.name));
  const left = until - Date.now();
  ctx.out.line(left > 0 ? `mcp server ${o.name}: cooldown cleared (${Math.ceil(left / 1000)} s were left)` : `mcp server ${o.name}: was not cooling down`);
}

export function resetCommand(run: Runner): Command {
  return new Command('reset')
    .description("end an MCP server's cooldown on every gateway pod (after a failure the pods skip it for GW_MCP_COOLDOWN_MS)")
    .argument('<name>', 'server name')
    .action((name: string, _opts: unknown, c: Command) => run(c, (ctx) => mcpReset(ctx, { name })));
}
