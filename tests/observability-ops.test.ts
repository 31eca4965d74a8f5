import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../packages/gateway/src/observability/metrics.js';
import { createStats } from '../packages/gateway/src/stats.js';
import { parseProm } from './observability-helpers.js';

const read = (p: string) => readFileSync(fileURLToPath(new URL(`../${p}`, import.meta.url)), 'utf8');

async function exportedNames(): Promise<Set<string>> {
  const m = new GatewayMetrics({
    stats: createStats(),
    cacheStats: { hits: 0, misses: 0, stale: 0, errors: 0 },
    registry: { revision: 1, healthy: true },
    inFlight: { count: 0 },
    build: { version: '0', node: process.version, uwsKind: 'native' },
  });
  const text = await m.render();
  // Histograms and labelled counters have no sample before their first observation: take the HELP lines.
  const names = new Set([...text.matchAll(/^# HELP (\S+)/gm)].map((x) => x[1]!));
  for (const s of parseProm(text)) names.add(s.name);
  return names;
}

describe('ops material matches the metrics the gateway exports', () => {
  it('every metric the Grafana dashboard queries exists', async () => {
    const dash = JSON.parse(read('ops/grafana/dashboard.json')) as { panels: Array<{ type: string; targets?: Array<{ expr: string }> }> };
    const exprs = dash.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(20);
    const names = await exportedNames();
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:llmgw|process|nodejs)_[a-z0-9_]+)/g)].map((x) => x[1]!.replace(/_bucket$/, ''))));
    const missing = [...used].filter((n) => !names.has(n));
    expect(missing).toEqual([]);
    // The panels the issue asks for.
    for (const m of ['llmgw_requests_total', 'llmgw_gateway_overhead_seconds', 'llmgw_upstream_ttfb_seconds', 'llmgw_tokens_total', 'llmgw_cost_usd_total', 'llmgw_cooldowns_entered_total', 'llmgw_failovers_total', 'llmgw_rate_limited_total', 'llmgw_open_streams', 'llmgw_registry_cache_stale_total']) {
      expect(used.has(m), m).toBe(true);
    }
  });

  it('the Prometheus config scrapes the gateway service on its admin port', () => {
    const yml = read('ops/prometheus/prometheus.yml');
    expect(yml).toMatch(/job_name: llmgw-gateway/);
    expect(yml).toMatch(/names: \[gateway\]/);
    expect(yml).toMatch(/port: 9090/);
    expect(yml).toMatch(/metrics_path: \/metrics/);
    const dash = read('ops/grafana/dashboard.json');
    expect(dash).toContain('job=\\"llmgw-gateway\\"');
  });
});
