import Anthropic from '@anthropic-ai/sdk';
import { type UsageEvent } from '@llmgw/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { useGwctl } from '../packages/gwctl/test/harness.js';
import { lastAccessLine } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';
import { until } from './support/wait.js';
import { streamEvents } from './support/usage-stream.js';

/**
 * Anthropic prompt caching through the gateway, with the official @anthropic-ai/sdk: the
 * `cache_control` marks (with their `ttl`) and the `anthropic-beta` header reach an Anthropic
 * upstream untouched and are dropped cleanly on the way to an OpenAI-type one; cache reads and
 * cache writes (5-minute and 1-hour) come back to the client as the upstream reported them, and
 * are counted and priced apart in the usage event, the access line and `gwctl usage`.
 */

const t = useGwctl();
const stack = useGatewayStack({ testRedis: t });
const { registry } = stack;
let client: Anthropic;
let keyName: string;

// USD per million: input, output, cache read, 5-minute write, 1-hour write.
const PRICES = { price_input: 3, price_output: 15, price_cached_input: 0.3, price_cache_write: 3.75, price_cache_write_1h: 6 };
const BETA = 'extended-cache-ttl-2025-04-11,interleaved-thinking-2025-05-14';

beforeEach(async () => {
  await registry.addProvider({ name: 'claude', type: 'anthropic', base_url: stack.fake.url, secrets: ['sk-ant-upstream'] });
  await registry.addProvider({ name: 'oai', base_url: stack.fake.url, secrets: ['sk-oai-upstream'] });
  await registry.bindModel('claude-cached', { provider: 'claude', model: 'claude-sonnet-4-5-up' });
  await registry.updateModel('claude-cached', () => PRICES);
  await registry.bindModel('claude-via-openai', { provider: 'oai', model: 'gpt-4o-up' });
  keyName = `k-${Math.random().toString(36).slice(2, 10)}`;
  const { raw } = await registry.createKey({ name: keyName });
  client = new Anthropic({ baseURL: stack.gw.url, apiKey: raw, maxRetries: 0, defaultHeaders: { 'anthropic-beta': BETA } });
});

/** A request shaped like Claude Code's: a cached system prompt (1 hour), cached tools, a cached last user turn (5 minutes). */
const LONG_SYSTEM = 'You are a careful coding agent. '.repeat(20);
function cachedRequest(model: string) {
  return {
    model,
    max_tokens: 256,
    system: [{ type: 'text' as const, text: LONG_SYSTEM, cache_control: { type: 'ephemeral' as const, ttl: '1h' as const } }],
    tools: [{ name: 'read_file', description: 'Read a file', input_schema: { type: 'object' as const, properties: { path: { type: 'string' } } }, cache_control: { type: 'ephemeral' as const } }],
    messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Summarise main.ts', cache_control: { type: 'ephemeral' as const, ttl: '5m' as const } }] }],
  };
}

/** The usage events of these requests (by request id: a previous test's events may still be on their way). */
async function usageEvents(...ids: (string | null | undefined)[]): Promise<UsageEvent[]> {
  let events: UsageEvent[] = [];
  await until(async () => {
    const all = (await streamEvents(t.redis));
    events = ids.map((id) => all.find((e) => e.id === id)!).filter(Boolean);
    return events.length === ids.length;
  }, `usage events of ${ids.join(', ')}`);
  return events;
}

const CACHE = { promptTokens: 10, completionTokens: 5, cachedTokens: 1000, cacheWrite5mTokens: 200, cacheWrite1hTokens: 300 };
const CLIENT_USAGE = {
  input_tokens: 10,
  output_tokens: 5,
  cache_read_input_tokens: 1000,
  cache_creation_input_tokens: 500,
  cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 300 },
};
// 10 plain input + 1000 reads + 200 5-minute writes + 300 1-hour writes + 5 output.
const COST = (10 * 3 + 1000 * 0.3 + 200 * 3.75 + 300 * 6 + 5 * 15) / 1e6;

describe('prompt caching through an Anthropic upstream', () => {
  it('cache_control (with ttl) and anthropic-beta reach the upstream untouched; the usage comes back whole', async () => {
    stack.fake.setBehaviour(CACHE);
    const req = cachedRequest('claude-cached');
    const msg = await client.messages.create(req);
    expect(msg.usage).toMatchObject(CLIENT_USAGE);
    const seen = stack.fake.received.at(-1)!;
    expect(seen.headers['anthropic-beta']).toBe(BETA);
    expect(seen.json).toEqual({ ...req, model: 'claude-sonnet-4-5-up' });
  });

  it('counts and prices reads, 5-minute and 1-hour writes apart: usage event, access line, gwctl usage', async () => {
    stack.fake.setBehaviour(CACHE);
    const msg = await client.messages.create(cachedRequest('claude-cached'));
    const [e] = await usageEvents(msg._request_id);
    expect(e).toMatchObject({ model: 'claude-cached', prompt_tokens: 1510, completion_tokens: 5, cached_tokens: 1000, cache_write_tokens: 500, cache_write_1h_tokens: 300, estimated: false });
    expect(e!.cost_usd).toBeCloseTo(COST, 12);
    const line = await lastAccessLine(stack.gw, '/messages');
    expect(line.tokens).toEqual({ prompt: 1510, completion: 5, cached: 1000, cacheWrite: 500, cacheWrite1h: 300, estimated: false });
    expect(line.costUsd).toBeCloseTo(COST, 12);

    const json = await t.cli(['usage', '--by', 'model', '--key', keyName, '--json']);
    expect(JSON.parse(json.stdout).rows[0]).toMatchObject({ group: 'claude-cached', prompt_tokens: 1510, cached_tokens: 1000, cache_write_tokens: 500, cache_write_1h_tokens: 300 });
    const table = await t.cli(['usage', '--by', 'model', '--key', keyName]);
    expect(table.stdout).toMatch(/cache write +write 1h/);
    expect(table.stdout).toMatch(/^claude-cached +1 +0 +1510 +5 +1000 +500 +300 /m);
  });

  it('a stream: message_start carries the cache usage to the client, and the request is billed the same', async () => {
    stack.fake.setBehaviour(CACHE);
    const stream = client.messages.stream({ ...cachedRequest('claude-cached'), stream: true });
    const final = await stream.finalMessage();
    expect(final.usage).toMatchObject({ ...CLIENT_USAGE, output_tokens: 5 });
    const [e] = await usageEvents(stream.request_id ?? null);
    expect(e).toMatchObject({ stream: true, prompt_tokens: 1510, completion_tokens: 5, cached_tokens: 1000, cache_write_tokens: 500, cache_write_1h_tokens: 300 });
    expect(e!.cost_usd).toBeCloseTo(COST, 12);
  });

  it('without a 1-hour price a 1-hour write is billed as a cache write; without cache activity nothing changes', async () => {
    await registry.updateModel('claude-cached', () => ({ ...PRICES, price_cache_write_1h: undefined }));
    stack.fake.enqueue(CACHE, { promptTokens: 10, completionTokens: 5 });
    const a = await client.messages.create(cachedRequest('claude-cached'));
    const b = await client.messages.create(cachedRequest('claude-cached'));
    const [first, second] = await usageEvents(a._request_id, b._request_id);
    expect(first!.cost_usd).toBeCloseTo((10 * 3 + 1000 * 0.3 + 500 * 3.75 + 5 * 15) / 1e6, 12);
    expect(second).toMatchObject({ prompt_tokens: 10, cached_tokens: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0 });
    expect(second!.cost_usd).toBeCloseTo((10 * 3 + 5 * 15) / 1e6, 12);
    expect((await lastAccessLine(stack.gw, '/messages')).tokens).toEqual({ prompt: 10, completion: 5, cached: 0, estimated: false });
  });

  it('a budget reservation covers the whole prompt as a 1-hour write, the dearest way it can be billed', async () => {
    const { raw } = await registry.createKey({ name: `${keyName}-budget`, budget_daily: 0.05 });
    const budgeted = new Anthropic({ baseURL: stack.gw.url, apiKey: raw, maxRetries: 0 });
    // ~150 prompt tokens: as plain input or a 5-minute write well under $0.05, as 1-hour writes at $1000/M over it.
    await registry.updateModel('claude-cached', () => ({ ...PRICES, price_cache_write_1h: 1000 }));
    const refused = await budgeted.messages.create(cachedRequest('claude-cached')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.APIError);
    expect((refused as InstanceType<typeof Anthropic.APIError>).status).toBe(429);
    expect(stack.fake.received).toHaveLength(0);
    await registry.updateModel('claude-cached', () => PRICES);
    await until(async () => (await budgeted.messages.create(cachedRequest('claude-cached')).then(() => true, () => false)), 'the cheaper 1-hour price to reach the gateway');
    expect(stack.fake.received).toHaveLength(1);
  });

  it('gwctl model price sets and removes the 1-hour write price; a negative one changes nothing', async () => {
    let r = await t.cli(['model', 'price', 'claude-cached', '--cache-write-1h', '7.5', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ price_cache_write: 3.75, price_cache_write_1h: 7.5 });
    r = await t.cli(['model', 'price', 'claude-cached', '--cache-write-1h', '-1']);
    expect(r.code).toBe(1);
    expect((await registry.getModel('claude-cached'))!.price_cache_write_1h).toBe(7.5);
    r = await t.cli(['model', 'price', 'claude-cached', '--no-cache-write-1h', '--json']);
    expect(JSON.parse(r.stdout).price_cache_write_1h).toBeUndefined();
  });
});

describe('prompt caching marks on the way to an OpenAI-type upstream', () => {
  it('cache_control is dropped from every block and anthropic-* headers are not sent; cache reads come back as cache_read_input_tokens', async () => {
    stack.fake.setBehaviour({ promptTokens: 40, completionTokens: 3, cachedTokens: 32, usage: true });
    const msg = await client.messages.create(cachedRequest('claude-via-openai'));
    expect(msg.usage).toMatchObject({ input_tokens: 8, output_tokens: 3, cache_read_input_tokens: 32 });
    expect(msg.id).toMatch(/^msg_/);
    const seen = stack.fake.received.at(-1)!;
    expect(seen.path).toBe('/v1/chat/completions');
    expect(seen.body).not.toContain('cache_control');
    expect(Object.keys(seen.headers).filter((h) => h.startsWith('anthropic-'))).toEqual([]);
    expect(seen.json.messages).toEqual([
      { role: 'system', content: LONG_SYSTEM },
      { role: 'user', content: 'Summarise main.ts' },
    ]);
    expect(seen.json.tools[0].function.name).toBe('read_file');
    const [e] = await usageEvents(msg._request_id);
    expect(e).toMatchObject({ prompt_tokens: 40, cached_tokens: 32, cache_write_tokens: 0 });
  });
});
