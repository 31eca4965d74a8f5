import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { describeRedisTarget, isCluster, REDIS_KEYS, redisUsesTls } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { isDataFormat, outputFormat, REPORT_FORMATS, withOutputFlags, type FormatFlags } from '../../output-format.js';

export type RedisPingOptions = FormatFlags;

interface PingReport {
  target: string;
  reachable: true;
  latency_ms: number;
  version: string;
  mode: 'standalone' | 'sentinel' | 'cluster';
  /** Whether the connection uses TLS. */
  tls: boolean;
  revision: number;
  providers: number;
  keys: number;
  models: number;
}

/** `INFO` text → field map. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

export async function redisPing(ctx: Context, o: RedisPingOptions): Promise<void> {
  const f = outputFormat(o);
  // Best of three round trips: the first may include lazy connection work.
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await ctx.redis.ping();
    best = Math.min(best, performance.now() - t0);
  }
  const info = parseInfo(await ctx.redis.info('server'));
  const mode = isCluster(ctx.redis) ? 'cluster' : ctx.target.sentinels ? 'sentinel' : info.redis_mode === 'cluster' ? 'cluster' : 'standalone';
  const [providers, keys, models] = await Promise.all([
    ctx.redis.scard(REDIS_KEYS.providers),
    ctx.redis.scard(REDIS_KEYS.keys),
    ctx.redis.scard(REDIS_KEYS.models),
  ]);
  const report: PingReport = {
    target: describeRedisTarget(ctx.target),
    reachable: true,
    latency_ms: Math.round(best * 100) / 100,
    version: info.redis_version ?? 'unknown',
    mode,
    tls: redisUsesTls(ctx.target),
    revision: await ctx.registry.revision(),
    providers,
    keys,
    models,
  };
  if (isDataFormat(f)) return ctx.out.data(report, f);
  ctx.out.line(`PONG from ${report.target} in ${report.latency_ms} ms`);
  ctx.out.fields([
    ['redis version', report.version],
    ['mode', report.mode],
    ['tls', report.tls ? 'yes' : 'no'],
    ['registry revision', report.revision],
    ['providers', report.providers],
    ['keys', report.keys],
    ['models', report.models],
  ]);
}

export function pingCommand(run: Runner): Command {
  const cmd = new Command('ping').description('check Redis: reachability, latency, version, mode, registry revision and counts');
  return withOutputFlags(cmd, REPORT_FORMATS).action((opts: RedisPingOptions, c: Command) => run(c, (ctx) => redisPing(ctx, opts)));
}
