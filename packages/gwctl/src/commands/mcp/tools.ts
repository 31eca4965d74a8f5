import { Command } from 'commander';
import { exposedName } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { outputFormat, printList, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { parseInteger } from '../../parse.js';
import { connectMcp, upstreamProblem } from './connect.js';
import { mustGetMcp } from './options.js';

interface ToolRow {
  name: string;
  upstream_name: string;
  description: string;
}

async function mcpTools(ctx: Context, o: FormatFlags & { name: string; timeoutMs?: number }): Promise<void> {
  const f = outputFormat(o);
  const s = await mustGetMcp(ctx, o.name);
  const client = await connectMcp(s, ctx.env, o.timeoutMs).catch((e: unknown) => {
    if (e instanceof UserError) throw e;
    throw new UserError(`mcp server "${s.name}" did not answer: ${upstreamProblem(e)}`);
  });
  try {
    const { tools } = await client.listTools(undefined, { timeout: o.timeoutMs ?? s.timeout_ms ?? 10_000 });
    const rows: ToolRow[] = tools.map((t) => ({ name: exposedName(s.name, t.name), upstream_name: t.name, description: (t.description ?? '').split('\n')[0]! }));
    printList(ctx, f, {
      items: rows,
      data: () => rows,
      name: (r) => r.name,
      head: ['name', 'upstream name', 'description'],
      row: (r) => [r.name, r.upstream_name, r.description],
      empty: `mcp server ${s.name} offers no tools`,
    });
  } finally {
    await client.close();
  }
}

export function toolsCommand(run: Runner): Command {
  const cmd = new Command('tools').description('what an MCP server offers, with the names clients see through the gateway').argument('<name>', 'server name').option('--timeout-ms <ms>', 'deadline of each call', parseInteger);
  return withOutputFlags(cmd).action((name: string, opts: FormatFlags & { timeoutMs?: number }, c: Command) => run(c, (ctx) => mcpTools(ctx, { ...opts, name })));
}
