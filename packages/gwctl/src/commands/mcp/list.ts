import { Command } from 'commander';
import { listMcpServers } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { outputFormat, printList, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { toMcpView } from './options.js';

async function mcpList(ctx: Context, o: FormatFlags): Promise<void> {
  const f = outputFormat(o);
  const views = (await listMcpServers(ctx.registry, (bad) => ctx.out.warn(`skipping invalid record ${bad.key}: ${bad.problem}`))).map(toMcpView);
  printList(ctx, f, {
    items: views,
    data: () => views,
    name: (s) => s.name,
    head: ['name', 'transport', 'url', 'status', 'headers', 'timeout'],
    row: (s) => [s.name, s.transport, s.url, s.status, Object.keys(s.headers).join(', ') || '-', s.timeout_ms ?? 'default'],
    wideHead: ['name', 'transport', 'url', 'status', 'headers', 'timeout', 'description', 'updated'],
    wideRow: (s) => [s.name, s.transport, s.url, s.status, Object.entries(s.headers).map(([k, v]) => `${k}: ${v}`).join(', ') || '-', s.timeout_ms ?? 'default', s.description ?? '-', s.updated_at ?? '-'],
    empty: 'no mcp servers yet (add one with gwctl mcp add)',
  });
}

export function listCommand(run: Runner): Command {
  const cmd = new Command('list').alias('ls').description('list MCP servers (literal header values masked)');
  return withOutputFlags(cmd).action((opts: FormatFlags, c: Command) => run(c, (ctx) => mcpList(ctx, opts)));
}
