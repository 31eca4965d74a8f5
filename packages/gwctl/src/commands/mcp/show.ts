import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { outputFormat, printOne, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { mustGetMcp, toMcpView } from './options.js';

async function mcpShow(ctx: Context, o: FormatFlags & { name: string }): Promise<void> {
  const f = outputFormat(o);
  const s = toMcpView(await mustGetMcp(ctx, o.name));
  printOne(ctx, f, {
    data: () => s,
    name: s.name,
    fields: () => [
      ['name', s.name],
      ['url', s.url],
      ['transport', s.transport],
      ['status', s.status],
      ['headers', Object.entries(s.headers).map(([k, v]) => `${k}: ${v}`).join('\n') || '-'],
      ['timeout_ms', s.timeout_ms ?? '(gateway default)'],
      ['description', s.description ?? '-'],
      ['exposed as', `${s.name}__{tool}, ${s.name}__{prompt}, mcp://${s.name}/{uri}`],
      ['created', s.created_at ?? '-'],
      ['updated', s.updated_at ?? '-'],
    ],
  });
}

export function showCommand(run: Runner): Command {
  const cmd = new Command('show').description('show one MCP server (literal header values masked)').argument('<name>', 'server name');
  return withOutputFlags(cmd).action((name: string, opts: FormatFlags, c: Command) => run(c, (ctx) => mcpShow(ctx, { ...opts, name })));
}
