import { describe, expect, it } from 'vitest';
import type { ResponseSink } from '../http/types.js';
import { createLogger } from '../logger.js';
import { createContext, type RequestContext } from '../request-context.js';
import { ENDPOINTS } from '../api/endpoints.js';
import { createStats } from '../stats.js';
import { GatewayMetrics } from './metrics.js';

const sink: ResponseSink = { aborted: false, headersSent: false, onAbort() {}, send() {}, writeHead() {}, write: () => true, onDrain() {}, end() {}, batch: (fn) => fn() };
const log = createLogger('silent');
const provider = { name: 'prov-a' } as never;

function ctxWith(p: Partial<RequestContext>): RequestContext {
  const ctx = createContext('req_1', { method: 'POST', path: '/v1/chat/completions', query: '', headers: {}, body: Buffer.alloc(0), receivedAt: 1000 }, sink, ENDPOINTS.get('/chat/completions')!, log);
  return Object.assign(ctx, p);
}

function metrics() {
  return new GatewayMetrics(
    { stats: createStats(), cacheStats: { hits: 0, misses: 0, stale: 0, errors: 0 }, registry: { revision: 7, healthy: true }, inFlight: { count: 0 }, build: { version: '1.2.3', node: 'v20', uwsKind: 'native' } },
    { processMetrics: false },
  );
}

async function value(m: GatewayMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = m.registry.getSingleMetric(name.replace(/_(sum|count|bucket)$/, ''));
  const data = await metric!.get();
  return data.values
    .filter((v) => (v as { metricName?: string }).metricName === undefined || (v as { metricName?: string }).metricName === name)
    .filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, string>)[k] === x))
    .reduce((a, v) => a + v.value, 0);
}

describe('GatewayMetrics.observeRequest', () => {
  it('counts tokens, cached tokens and cost per model and provider', async () => {
    const m = metrics();
    const served = { provider, model: 'up-1', weight: 1, priority: 0 };
    const base = { model: {} as never, publicModel: 'pub', served, status: 200, t0: 1000, tUpstreamStart: 1001, tFirstByte: 1050, tUpstreamEnd: 1100, tEnd: 1100.5 };
    m.observeRequest(ctxWith({ ...base, usage: { promptTokens: 100, completionTokens: 20, cachedTokens: 40, estimated: false }, costUsd: 0.25 }));
    m.observeRequest(ctxWith({ ...base, usage: { promptTokens: 1, completionTokens: 2, cachedTokens: 0, estimated: true }, costUsd: 0.5 }));
    const l = { model: 'pub', provider: 'prov-a' };
    expect(await value(m, 'llmgw_tokens_total', { ...l, direction: 'in' })).toBe(101);
    expect(await value(m, 'llmgw_tokens_total', { ...l, direction: 'out' })).toBe(22);
    expect(await value(m, 'llmgw_cached_tokens_total', l)).toBe(40);
    expect(await value(m, 'llmgw_cache_write_tokens_total', l)).toBe(0);
    expect(await value(m, 'llmgw_cost_usd_total', l)).toBeCloseTo(0.75);
    expect(await value(m, 'llmgw_requests_total', { ...l, status_class: '2xx', endpoint: '/chat/completions' })).toBe(2);
    // Overhead: 1 ms before dispatch + 0.5 ms of buffered relay after the upstream ended.
    expect(await value(m, 'llmgw_gateway_overhead_seconds_sum')).toBeCloseTo(0.003);
    expect(await value(m, 'llmgw_upstream_ttfb_seconds_sum', { provider: 'prov-a' })).toBeCloseTo(0.098);
  });

  it('counts Anthropic cache writes by TTL', async () => {
    const m = metrics();
    const served = { provider, model: 'up-1', weight: 1, priority: 0 };
    const base = { model: {} as never, publicModel: 'pub', served, status: 200, t0: 1000, tUpstreamStart: 1001, tFirstByte: 1050, tUpstreamEnd: 1100, tEnd: 1100.5 };
    m.observeRequest(ctxWith({ ...base, usage: { promptTokens: 900, completionTokens: 1, cachedTokens: 0, cacheWriteTokens: 500, cacheWrite1hTokens: 300, estimated: false } }));
    m.observeRequest(ctxWith({ ...base, usage: { promptTokens: 100, completionTokens: 1, cachedTokens: 0, cacheWriteTokens: 50, estimated: false } }));
    const l = { model: 'pub', provider: 'prov-a' };
    expect(await value(m, 'llmgw_cache_write_tokens_total', { ...l, ttl: '5m' })).toBe(250);
    expect(await value(m, 'llmgw_cache_write_tokens_total', { ...l, ttl: '1h' })).toBe(300);
  });

  it('labels an unknown model `none`, never the name the client sent', async () => {
    const m = metrics();
    m.observeRequest(ctxWith({ publicModel: 'attacker-chosen-name', status: 404, tEnd: 1001 }));
    expect(await value(m, 'llmgw_requests_total', { model: 'none', provider: 'none', status_class: '4xx' })).toBe(1);
    expect(await m.render()).not.toContain('attacker-chosen-name');
  });

  it('a client gone before any answer is a 4xx; attempts without an answer are `error`', async () => {
    const m = metrics();
    m.observeRequest(ctxWith({ model: {} as never, publicModel: 'pub', status: 0, clientAborted: true, attempts: [{ provider: 'prov-a', model: 'x', secretIndex: 0 }], tUpstreamStart: 1002, tEnd: 1500 }));
    expect(await value(m, 'llmgw_requests_total', { model: 'pub', provider: 'prov-a', status_class: '4xx' })).toBe(1);
    expect(await value(m, 'llmgw_upstream_attempts_total', { provider: 'prov-a', status_class: 'error' })).toBe(1);
    expect(await value(m, 'llmgw_upstream_ttfb_seconds_count')).toBe(0);
    // A stream's relay is not overhead; here nothing came back, so only the 2 ms before dispatch count.
    expect(await value(m, 'llmgw_gateway_overhead_seconds_sum')).toBeCloseTo(0.002);
  });

  it('counts the attempts a deadline ended, by provider and phase', async () => {
    const m = metrics();
    const attempts = [
      { provider: 'prov-a', model: 'x', secretIndex: 0, error: 'upstream_timeout', timeout: 'first_byte' as const },
      { provider: 'prov-b', model: 'x', secretIndex: 0, status: 200, error: 'upstream_timeout', timeout: 'idle' as const },
    ];
    m.observeRequest(ctxWith({ model: {} as never, publicModel: 'pub', status: 200, attempts, tUpstreamStart: 1002, tEnd: 1500 }));
    expect(await value(m, 'llmgw_upstream_timeouts_total', { provider: 'prov-a', phase: 'first_byte' })).toBe(1);
    expect(await value(m, 'llmgw_upstream_timeouts_total', { provider: 'prov-b', phase: 'idle' })).toBe(1);
    expect(await value(m, 'llmgw_upstream_attempts_total', { provider: 'prov-a', status_class: 'error' })).toBe(1);
  });

  it('exports the plain counters and gauges read at scrape time', async () => {
    const stats = createStats();
    const inFlight = { count: 3 };
    const m = new GatewayMetrics(
      { stats, cacheStats: { hits: 5, misses: 2, stale: 1, errors: 1 }, registry: { revision: 9, healthy: false }, inFlight, build: { version: '1', node: 'v20', uwsKind: 'fallback' } },
      { processMetrics: false },
    );
    stats.failovers = 4;
    stats.openStreams = 2;
    const text = await m.render();
    expect(text).toMatch(/^llmgw_failovers_total 4$/m);
    expect(text).toMatch(/^llmgw_open_streams 2$/m);
    expect(text).toMatch(/^llmgw_in_flight_requests 3$/m);
    expect(text).toMatch(/^llmgw_registry_cache_hits_total 5$/m);
    expect(text).toMatch(/^llmgw_registry_cache_stale_total 1$/m);
    expect(text).toMatch(/^llmgw_registry_revision 9$/m);
    expect(text).toMatch(/^llmgw_registry_up 0$/m);
    expect(text).toMatch(/^llmgw_build_info\{version="1",node="v20",uws_kind="fallback"\} 1$/m);
    stats.failovers = 6;
    expect(await m.render()).toMatch(/^llmgw_failovers_total 6$/m);
  });

  it('counts refusals without a context under model/provider `none`', async () => {
    const m = metrics();
    m.observeRefused('other', 404);
    m.observeRefused('/chat/completions', 503);
    expect(await value(m, 'llmgw_requests_total', { endpoint: 'other', status_class: '4xx', model: 'none' })).toBe(1);
    expect(await value(m, 'llmgw_requests_total', { endpoint: '/chat/completions', status_class: '5xx' })).toBe(1);
  });
});
