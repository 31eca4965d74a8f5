import { Command, Option } from 'commander';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { isDataFormat, outputFormat, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { mustFindKey } from '../key/options.js';
import { aggregateUsage, readUsage, trimmedUntil, USAGE_GROUPS, type UsageGroup } from '@llmgw/core';
import { parseTimeRef } from './parse-time.js';
import { usageFromRollups } from './read-rollups.js';

interface UsageOptions extends FormatFlags {
  by?: UsageGroup;
  /** ISO date/time or a duration ago (`24h`, `7d`); default 24h. */
  since?: string;
  until?: string;
  /** Only this key (name, id or prefix). */
  key?: string;
  /** Read the hourly/daily rollups instead of the stream. */
  rollups?: boolean;
  /** Only model requests (`llm`) or MCP tool calls (`mcp`). */
  kind?: 'llm' | 'mcp';
}

const usd = (v: number) => `$${Number(v.toFixed(6))}`;

async function usageReport(ctx: Context, o: UsageOptions): Promise<void> {
  const f = outputFormat(o);
  const now = ctx.now();
  const by = o.by ?? 'key';
  const since = parseTimeRef(o.since ?? '24h', now, '--since');
  const until = o.until ? parseTimeRef(o.until, now, '--until') : null;
  if (until !== null && until <= since) throw new UserError('--until must be later than --since');
  // The rollups count model requests only: MCP tool calls are read from the stream.
  if (o.rollups && o.kind === 'mcp') throw new UserError('--rollups counts model requests only, not MCP tool calls: leave out --rollups to read them from the usage stream (--kind mcp)');
  const key = o.key ? await mustFindKey(ctx, o.key) : null;
  if (o.rollups) return rollupReport(ctx, o, f, by, since, until ?? now.getTime(), key);
  const events = [];
  for await (const e of readUsage(ctx.redis, since, until, key?.id)) if (!o.kind || (e.kind ?? 'llm') === o.kind) events.push(e);
  const { rows, total } = aggregateUsage(events, by);
  const trimmed = await trimmedUntil(ctx.redis);
  const incomplete = trimmed !== null && trimmed > since;
  const range = { since: new Date(since).toISOString(), until: until === null ? now.toISOString() : new Date(until).toISOString() };
  if (isDataFormat(f)) return ctx.out.data({ by, ...range, key: key ? { id: key.id, name: key.name } : null, rows, total, trimmed_until: incomplete ? new Date(trimmed).toISOString() : null }, f);
  if (incomplete) ctx.out.warn(`events before ${new Date(trimmed).toISOString()} were trimmed from the usage stream (GW_USAGE_STREAM_MAXLEN): this range is incomplete (--rollups reads the hourly counters, which keep them)`);
  ctx.out.info(`usage by ${by}, ${range.since} → ${range.until}${key ? `, key ${key.name}` : ''}`);
  // Cache writes (Anthropic prompt caching) only when some were made: most ranges have none.
  const writes = total.cache_write_tokens > 0;
  const head = [by, 'requests', 'errors', 'prompt', 'completion', 'cached', ...(writes ? ['cache write', 'write 1h'] : []), 'cost', 'avg ms', 'estimated'];
  const cells = (r: typeof total) => [
    r.group, r.requests, r.errors, r.prompt_tokens, r.completion_tokens, r.cached_tokens,
    ...(writes ? [r.cache_write_tokens, r.cache_write_1h_tokens] : []),
    usd(r.cost_usd), r.avg_latency_ms, r.estimated,
  ];
  ctx.out.table(head, rows.length ? [...rows.map(cells), cells(total)] : [], { wide: f === 'wide' });
}

/** The report from the rollups (`--rollups`): the same rows and JSON shape, whole hours. */
async function rollupReport(ctx: Context, o: UsageOptions, f: ReturnType<typeof outputFormat>, by: UsageGroup, since: number, until: number, key: { id: string; name: string } | null): Promise<void> {
  const keyNames = new Map(by === 'key' ? (await ctx.registry.listKeys()).map((k) => [k.id, k.name] as const) : []);
  let r;
  try {
    r = await usageFromRollups(ctx.redis, { by, since, until, keyId: key?.id, keyNames });
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(`--rollups: ${e.message}`);
    throw e;
  }
  const range = { since: new Date(r.since).toISOString(), until: new Date(r.until).toISOString() };
  if (isDataFormat(f)) return ctx.out.data({ by, ...range, key: key ? { id: key.id, name: key.name } : null, rows: r.rows, total: r.total, trimmed_until: null }, f);
  ctx.out.info(`usage by ${by}, ${range.since} → ${range.until} (rollups, whole hours, model requests)${key ? `, key ${key.name}` : ''}`);
  const writes = r.total.cache_write_tokens > 0;
  const head = [by, 'requests', 'errors', 'prompt', 'completion', 'cached', ...(writes ? ['cache write'] : []), 'cost', 'avg ms', 'estimated'];
  const cells = (x: typeof r.total) => [x.group, x.requests, x.errors, x.prompt_tokens, x.completion_tokens, x.cached_tokens, ...(writes ? [x.cache_write_tokens] : []), usd(x.cost_usd), x.avg_latency_ms, x.estimated];
  ctx.out.table(head, r.rows.length ? [...r.rows.map(cells), cells(r.total)] : [], { wide: f === 'wide' });
}

/** `gwctl usage`: what was used and spent, from the gateway's usage stream. */
export function usageCommand(run: Runner): Command {
  const cmd = new Command('usage')
    .description('usage and spend from the gateway usage stream, grouped by key, model, provider or day')
    .addOption(new Option('--by <group>', 'group rows by').choices(USAGE_GROUPS).default('key'))
    .option('--since <when>', 'ISO date/time or a duration ago (24h, 7d, 90m)', '24h')
    .option('--until <when>', 'ISO date/time or a duration ago (default: now)')
    .option('--key <ref>', 'only this key (name, id or prefix)')
    .option('--rollups', "read the gateway's hourly/daily usage counters instead of the stream: fast over any range and complete where the stream was trimmed (GW_USAGE_STREAM_MAXLEN); whole hours; hours kept 8 days, days 400; with --key, only --by key or day; model requests only (not with --kind mcp)")
    .addOption(new Option('--kind <kind>', 'only model requests (llm) or MCP tool calls (mcp: model = tool, provider = MCP server)').choices(['llm', 'mcp']));
  return withOutputFlags(cmd, ['table', 'wide', 'json', 'yaml']).action((opts: UsageOptions, c: Command) => run(c, (ctx) => usageReport(ctx, opts)));
}
