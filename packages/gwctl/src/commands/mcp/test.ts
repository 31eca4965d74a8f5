import { Command } from 'commander';
import type { Context, Runner } from '../../context.js';
import { ExitWith, UserError } from '../../errors.js';
import { isDataFormat, outputFormat, REPORT_FORMATS, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { parseInteger } from '../../parse.js';
import { connectMcp, upstreamProblem } from './connect.js';
import { mustGetMcp } from './options.js';

interface McpTestReport {
  server: string;
  ok: boolean;
  message: string;
  protocol_version: string | null;
  server_info: { name: string; version: string } | null;
  tools: number | null;
  ms: number;
}

/** `gwctl mcp test NAME`: connect, initialize, list its tools; one line says how it went (exit 1 when it failed). */
async function mcpTest(ctx: Context, o: FormatFlags & { name: string; timeoutMs?: number }): Promise<void> {
  const f = outputFormat(o);
  const s = await mustGetMcp(ctx, o.name);
  const t0 = performance.now();
  const report: McpTestReport = { server: s.name, ok: false, message: '', protocol_version: null, server_info: null, tools: null, ms: 0 };
  try {
    const client = await connectMcp(s, ctx.env, o.timeoutMs);
    try {
      const info = client.getServerVersion();
      report.server_info = info ? { name: info.name, version: info.version } : null;
      report.protocol_version = client.transport && 'protocolVersion' in client.transport ? String((client.transport as { protocolVersion?: string }).protocolVersion ?? '') || null : null;
      report.tools = client.getServerCapabilities()?.tools ? (await client.listTools(undefined, { timeout: o.timeoutMs ?? s.timeout_ms ?? 10_000 })).tools.length : 0;
      report.ok = true;
    } finally {
      await client.close();
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    report.message = `FAIL ${s.name}: ${upstreamProblem(e)}`;
  }
  report.ms = Math.round(performance.now() - t0);
  if (report.ok) report.message = `OK ${s.name}: ${report.server_info ? `${report.server_info.name} ${report.server_info.version}` : 'server'}, ${report.tools} tool(s), ${report.ms} ms`;
  if (isDataFormat(f)) ctx.out.data(report, f);
  else ctx.out.line(report.message);
  if (!report.ok) throw new ExitWith(1);
}

export function testCommand(run: Runner): Command {
  const cmd = new Command('test').description('connect to an MCP server from this shell, list its tools, print a one-line verdict').argument('<name>', 'server name').option('--timeout-ms <ms>', 'deadline of each call', parseInteger);
  return withOutputFlags(cmd, REPORT_FORMATS).action((name: string, opts: FormatFlags & { timeoutMs?: number }, c: Command) => run(c, (ctx) => mcpTest(ctx, { ...opts, name })));
}
