import OpenAI from 'openai';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scrape, sum, until, type Sample } from './observability-helpers.js';
import { seedBasic } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';

const stack = useGatewayStack({ env: { GW_ADMIN_PORT: '0' } });
const { registry } = stack;
let rawKey: string;
let admin: number;

const CHAT = '/chat/completions';
const base = { model: 'gpt-4o-mini', provider: 'fake', endpoint: CHAT };

beforeAll(() => {
  admin = stack.gw.gw.adminPort!;
});
beforeEach(async () => {
  stack.fake.setBehaviour({ status: 200, chunks: 5, chunkDelayMs: 0, promptTokens: 11, completionTokens: 7 });
  ({ rawKey } = await seedBasic(registry, stack.fake.url));
});

function chat(body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return fetch(`${stack.gw.url}/v1${CHAT}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

/** Metrics after the in-flight gauge is back to 0 (every request's end hook ran). */
async function settled(): Promise<Sample[]> {
  let s: Sample[] = [];
  await until(async () => {
    s = await scrape(admin);
    return sum(s, 'llmgw_in_flight_requests') === 0;
  });
  return s;
}

/** Counters only grow: compare before/after a request rather than assume a fresh gateway. */
function delta(before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}): number {
  return sum(after, name, labels) - sum(before, name, labels);
}

describe('per-request metrics change as expected', () => {
  it('a success counts one 2xx request, its tokens and its timings', async () => {
    const before = await settled();
    const res = await chat();
    expect(res.status).toBe(200);
    await res.text();
    const after = await settled();
    expect(delta(before, after, 'llmgw_requests_total', { ...base, status_class: '2xx' })).toBe(1);
    expect(delta(before, after, 'llmgw_requests_total', { status_class: '5xx' })).toBe(0);
    expect(delta(before, after, 'llmgw_upstream_attempts_total', { provider: 'fake', status_class: '2xx' })).toBe(1);
    expect(delta(before, after, 'llmgw_tokens_total', { model: 'gpt-4o-mini', provider: 'fake', direction: 'in' })).toBe(11);
    expect(delta(before, after, 'llmgw_tokens_total', { model: 'gpt-4o-mini', provider: 'fake', direction: 'out' })).toBe(7);
    expect(delta(before, after, 'llmgw_request_duration_seconds_count', { endpoint: CHAT, stream: 'false' })).toBe(1);
    expect(delta(before, after, 'llmgw_upstream_ttfb_seconds_count', { provider: 'fake' })).toBe(1);
    expect(delta(before, after, 'llmgw_gateway_overhead_seconds_count', { endpoint: CHAT })).toBe(1);
    // The overhead is a part of the whole request time.
    expect(delta(before, after, 'llmgw_gateway_overhead_seconds_sum')).toBeLessThanOrEqual(delta(before, after, 'llmgw_request_duration_seconds_sum'));
  });

  it('a stream counts its usage (asked upstream by the gateway) under stream="true"', async () => {
    const before = await settled();
    const client = new OpenAI({ apiKey: rawKey, baseURL: stack.gw.baseURL });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const _ of stream) void _;
    const after = await settled();
    expect(delta(before, after, 'llmgw_requests_total', { ...base, status_class: '2xx' })).toBe(1);
    expect(delta(before, after, 'llmgw_request_duration_seconds_count', { endpoint: CHAT, stream: 'true' })).toBe(1);
    expect(delta(before, after, 'llmgw_tokens_total', { provider: 'fake', direction: 'out' })).toBe(7);
    expect(sum(after, 'llmgw_open_streams')).toBe(0);
  });

  it('an upstream error counts as 5xx for the model and provider', async () => {
    // Own names, so that a cooldown this error may cause cannot touch the other tests.
    ({ rawKey } = await seedBasic(registry, stack.fake.url, { provider: 'p-err', model: 'm-err' }));
    stack.fake.enqueue({ status: 500 });
    const before = await settled();
    const res = await chat({ model: 'm-err' });
    expect(res.status).toBe(500);
    await res.text();
    const after = await settled();
    expect(delta(before, after, 'llmgw_requests_total', { model: 'm-err', provider: 'p-err', endpoint: CHAT, status_class: '5xx' })).toBe(1);
    expect(delta(before, after, 'llmgw_requests_total', { status_class: '2xx' })).toBe(0);
    expect(delta(before, after, 'llmgw_upstream_attempts_total', { provider: 'p-err', status_class: '5xx' })).toBe(1);
  });

  it('a failover counts one 2xx request, the failed attempt on the first provider and a failover', async () => {
    // Two providers on the same fake upstream: whichever is tried first gets the one-shot 500.
    ({ rawKey } = await seedBasic(registry, stack.fake.url, { provider: 'fo-a', model: 'm-fo' }));
    await registry.addProvider({ name: 'fo-b', base_url: stack.fake.url, secrets: ['sk-upstream-test-secret-0002'] });
    await registry.bindModel('m-fo', { provider: 'fo-b', model: 'm-fo' });
    await until(async () => (await stack.gw.gw.cache.getModel('m-fo'))?.targets.length === 2);
    stack.fake.enqueue({ status: 500 });
    const before = await settled();
    const res = await chat({ model: 'm-fo' });
    expect(res.status).toBe(200);
    await res.text();
    const after = await settled();
    expect(stack.fake.received.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);
    expect(delta(before, after, 'llmgw_requests_total', { model: 'm-fo', status_class: '2xx', endpoint: CHAT })).toBe(1);
    expect(delta(before, after, 'llmgw_upstream_attempts_total', { status_class: '5xx' })).toBe(1);
    expect(delta(before, after, 'llmgw_upstream_attempts_total', { status_class: '2xx' })).toBe(1);
    expect(delta(before, after, 'llmgw_failovers_total')).toBe(1);
  });

  it('refusals, /v1/models and unknown routes are counted without unbounded labels', async () => {
    const before = await settled();
    const bad = await fetch(`${stack.gw.url}/v1${CHAT}`, { method: 'POST', headers: { authorization: 'Bearer gw-nope-000000000000' }, body: '{}' });
    expect(bad.status).toBe(401);
    const unknownModel = await chat({ model: 'made-up-model-xyz' });
    expect(unknownModel.status).toBe(404);
    const models = await fetch(`${stack.gw.url}/v1/models`, { headers: { authorization: `Bearer ${rawKey}` } });
    expect(models.status).toBe(200);
    const scan = await fetch(`${stack.gw.url}/wp-admin/secret-path-123`);
    expect(scan.status).toBe(404);
    const wrongMethod = await fetch(`${stack.gw.url}/v1${CHAT}`);
    expect(wrongMethod.status).toBe(405);
    // A malformed escape used to throw inside the uWS callback (no answer, uncaught URIError).
    const malformed = await fetch(`${stack.gw.url}/v1/models/%E0%A4%A`, { headers: { authorization: `Bearer ${rawKey}` } });
    expect(malformed.status).toBe(404);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
    await Promise.all([bad.text(), unknownModel.text(), models.text(), scan.text(), wrongMethod.text()]);
    const after = await settled();
    expect(delta(before, after, 'llmgw_requests_total', { model: 'none', provider: 'none', status_class: '4xx', endpoint: CHAT })).toBe(3);
    expect(delta(before, after, 'llmgw_requests_total', { status_class: '2xx', endpoint: '/models' })).toBe(1);
    expect(delta(before, after, 'llmgw_requests_total', { status_class: '4xx', endpoint: '/models' })).toBe(1);
    expect(delta(before, after, 'llmgw_requests_total', { status_class: '4xx', endpoint: 'other' })).toBe(1);
    const values = new Set(after.flatMap((s) => Object.values(s.labels)));
    expect(values.has('made-up-model-xyz')).toBe(false);
    expect([...values].some((v) => v.includes('wp-admin'))).toBe(false);
  });
});

describe('limits', () => {
  it('a rate-limited request counts in llmgw_rate_limited_total and as a 4xx', async () => {
    ({ rawKey } = await seedBasic(registry, stack.fake.url, { key: { rpm: 1 } }));
    const before = await settled();
    const first = await chat();
    expect(first.status).toBe(200);
    await first.text();
    const second = await chat();
    expect(second.status).toBe(429);
    await second.text();
    const after = await settled();
    expect(delta(before, after, 'llmgw_rate_limited_total')).toBe(1);
    // Refused before any upstream was tried: the model is known, the provider is not.
    expect(delta(before, after, 'llmgw_requests_total', { ...base, provider: 'none', status_class: '4xx' })).toBe(1);
    expect(delta(before, after, 'llmgw_requests_total', { ...base, status_class: '2xx' })).toBe(1);
  });
});

describe('counters owned by other modules are exported at scrape time', () => {
  it('reads GatewayStats and the registry cache counters', async () => {
    const s = stack.gw.gw.stats;
    s.rateLimited += 3;
    s.budgetRefused += 2;
    s.retries += 4;
    s.cooldownsEntered += 1;
    s.usageEventsDropped += 5;
    s.redisErrors += 6;
    // The tests before this one leave usage records to write: the recorder sets the gauge's
    // source to its queue length when a write ends, so let it go quiet before setting it here.
    await until(() => s.usageEventsBuffered === 0);
    const buffered = s.usageEventsBuffered;
    s.usageEventsBuffered = 42;
    try {
      const m = await scrape(admin);
      expect(sum(m, 'llmgw_rate_limited_total')).toBe(s.rateLimited);
      expect(sum(m, 'llmgw_rate_limited_total')).toBeGreaterThanOrEqual(3);
      expect(sum(m, 'llmgw_budget_refused_total')).toBe(s.budgetRefused);
      expect(sum(m, 'llmgw_retries_total')).toBe(s.retries);
      expect(sum(m, 'llmgw_cooldowns_entered_total')).toBe(s.cooldownsEntered);
      expect(sum(m, 'llmgw_usage_events_dropped_total')).toBe(s.usageEventsDropped);
      expect(sum(m, 'llmgw_redis_errors_total')).toBe(s.redisErrors);
      expect(sum(m, 'llmgw_usage_events_buffered')).toBe(42);
      const c = stack.gw.gw.cache.stats;
      expect(sum(m, 'llmgw_registry_cache_hits_total')).toBe(c.hits);
      expect(sum(m, 'llmgw_registry_cache_misses_total')).toBe(c.misses);
      expect(c.hits + c.misses).toBeGreaterThan(0);
      expect(sum(m, 'llmgw_registry_revision')).toBe(stack.gw.gw.cache.revision);
      expect(sum(m, 'llmgw_registry_up')).toBe(1);
      expect(sum(m, 'llmgw_build_info', { uws_kind: stack.gw.gw.uws.kind })).toBe(1);
      expect(m.some((x) => x.name === 'process_cpu_seconds_total')).toBe(true);
      expect(m.some((x) => x.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    } finally {
      s.usageEventsBuffered = buffered;
    }
  });

  it('a stream being relayed shows in llmgw_open_streams until it ends', async () => {
    stack.fake.enqueue({ chunks: 6, chunkDelayMs: 100 });
    const res = await chat({ stream: true });
    expect(res.status).toBe(200);
    // Headers are in, the events are still coming.
    const during = await scrape(admin);
    expect(sum(during, 'llmgw_open_streams')).toBe(1);
    expect(sum(during, 'llmgw_in_flight_requests')).toBe(1);
    await res.text();
    expect(sum(await settled(), 'llmgw_open_streams')).toBe(0);
  });

  it('in-flight requests and a slow upstream show in the gauge while they run', async () => {
    stack.fake.enqueue({ headersDelayMs: 400 });
    const pending = chat();
    await until(async () => sum(await scrape(admin), 'llmgw_in_flight_requests') === 1);
    const res = await pending;
    await res.text();
    expect(sum(await settled(), 'llmgw_in_flight_requests')).toBe(0);
  });
});
