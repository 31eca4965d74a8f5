// gwctl's governance commands against real gateway traffic: model price, usage, key show.
import { encodeUsageEvent, RT_KEYS, type UsageEvent } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useGwctl } from '../packages/gwctl/test/harness.js';
import { postChat, seedBasic } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';
import { streamEventCount } from './support/usage-stream.js';

const t = useGwctl();
const stack = useGatewayStack({ testRedis: t, resetFakes: false });
const { registry } = stack;

// max_tokens: what a key with a budget reserves besides the prompt.
const chat = (raw: string, model = 'gpt-4o-mini') => postChat(stack.gw, raw, { model, max_tokens: 5 });

async function waitStream(n: number): Promise<void> {
  const end = Date.now() + 5000;
  while ((await streamEventCount(t.redis)) < n) {
    if (Date.now() > end) throw new Error(`expected ${n} usage events`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('gwctl model price', () => {
  it('sets, shows and removes prices; refuses aliases and negative prices', async () => {
    await seedBasic(registry, stack.fake.url);
    let r = await t.cli(['model', 'price', 'gpt-4o-mini', '--input', '0.15', '--output', '0.6', '--cached-input', '0.075']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('input $0.15/Mtok, output $0.6/Mtok, cached input $0.075/Mtok');
    expect(await registry.getModel('gpt-4o-mini')).toMatchObject({ price_input: 0.15, price_output: 0.6, price_cached_input: 0.075 });

    r = await t.cli(['model', 'price', 'gpt-4o-mini', '--no-cached-input', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'gpt-4o-mini', price_input: 0.15, price_output: 0.6, table: [] });
    expect((await registry.getModel('gpt-4o-mini'))!.price_cached_input).toBeUndefined();

    // Without prices of its own, each target is billed at the price table's entry (or has none).
    r = await t.cli(['model', 'price', 'gpt-4o-mini', '--no-input', '--no-output']);
    expect(r.stdout).toMatch(/fake\/gpt-4o-mini: input \$0\.15\/Mtok, output \$0\.6\/Mtok, cached input \$0\.075\/Mtok.*\(price table: openai:gpt-4o-mini\)/);
    await registry.bindModel('gpt-4o-mini', { provider: 'fake', model: 'my-finetune' });
    r = await t.cli(['model', 'price', 'gpt-4o-mini', '--json']);
    expect(JSON.parse(r.stdout).table).toEqual([expect.objectContaining({ target: 'fake/gpt-4o-mini', input: 0.15 }), { target: 'fake/my-finetune', price: null }]);

    r = await t.cli(['model', 'price', 'gpt-4o-mini', '--input', '-1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--input must not be negative/);
    await registry.putModel({ name: 'mini', alias_of: 'gpt-4o-mini' });
    r = await t.cli(['model', 'price', 'mini', '--input', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/alias of "gpt-4o-mini"/);
    r = await t.cli(['model', 'price', 'nope', '--input', '1']);
    expect(r.code).toBe(1);
  });
});

describe('gwctl warns about unpriced models and sets reservations', () => {
  it('warns when a key with a budget can reach a target nobody priced, from key add/edit and model bind', async () => {
    await seedBasic(registry, stack.fake.url, { model: 'llama3:8b' });
    let r = await t.cli(['key', 'add', 'capped', '--budget-daily', '5', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: model llama3:8b has no price for fake\/llama3:8b, and key\(s\) with a budget can reach it \(capped\).*gwctl model price llama3:8b/);
    r = await t.cli(['key', 'add', 'narrow', '--budget-daily', '5', '--model-allow', 'gpt-4o*', '--yes']);
    expect(r.stderr).not.toMatch(/warning/);
    r = await t.cli(['model', 'bind', 'gpt-4o-turbo-local', '--provider', 'fake', '--upstream-model', 'my-finetune']);
    expect(r.stderr).toMatch(/model gpt-4o-turbo-local has no price for fake\/my-finetune, and key\(s\) with a budget can reach it \((capped, narrow|narrow, capped)\)/);
    r = await t.cli(['model', 'price', 'gpt-4o-turbo-local', '--input', '1', '--output', '2']);
    expect(r.stderr).not.toMatch(/warning/);
  });

  it('model reserve: the completion tokens reserved for a request without max_tokens', async () => {
    await seedBasic(registry, stack.fake.url);
    let r = await t.cli(['model', 'reserve', 'gpt-4o-mini', '--output-tokens', '512']);
    expect(r.stdout).toMatch(/reserves 512 completion tokens/);
    expect((await registry.getModel('gpt-4o-mini'))!.reserve_output_tokens).toBe(512);
    r = await t.cli(['model', 'reserve', 'gpt-4o-mini', '--no-output-tokens', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'gpt-4o-mini', reserve_output_tokens: null });
  });
});

describe('gwctl usage and key show', () => {
  it('reports gateway traffic by key, model, provider and day; key show has spend and what is left', async () => {
    const a = await seedBasic(registry, stack.fake.url, { key: { budget_daily: 1, rpm: 100 } });
    const b = await seedBasic(registry, stack.fake.url, { model: 'other-model' });
    await t.cli(['model', 'price', 'gpt-4o-mini', '--input', '1000', '--output', '2000']);
    await t.cli(['model', 'price', 'other-model', '--input', '1', '--output', '1']);
    const nameA = (await registry.getKeyByHash(a.keyHash))!.name;
    for (let i = 0; i < 3; i++) expect((await chat(a.rawKey)).status).toBe(200);
    expect((await chat(b.rawKey, 'other-model')).status).toBe(200);
    await waitStream(4);

    // each gpt-4o-mini request: 2 prompt tokens × $1000/M + 5 completion × $2000/M = $0.012
    let r = await t.cli(['usage', '--by', 'model', '--json']);
    expect(r.code).toBe(0);
    const byModel = JSON.parse(r.stdout) as { rows: Array<Record<string, unknown>>; total: Record<string, unknown> };
    expect(byModel.rows[0]).toMatchObject({ group: 'gpt-4o-mini', requests: 3, prompt_tokens: 6, completion_tokens: 15, cost_usd: 0.036, errors: 0, estimated: 0 });
    expect(byModel.rows[1]).toMatchObject({ group: 'other-model', requests: 1 });
    expect(byModel.total).toMatchObject({ requests: 4 });

    r = await t.cli(['usage', '--key', nameA, '--json']);
    expect(JSON.parse(r.stdout).rows).toEqual([expect.objectContaining({ group: expect.stringContaining(nameA), requests: 3 })]);

    // The rollups give the same rows (they are the sum of the stream), for every grouping.
    for (const by of ['model', 'key', 'provider', 'day']) {
      const fromStream = JSON.parse((await t.cli(['usage', '--by', by, '--json'])).stdout) as { rows: unknown[]; total: unknown };
      r = await t.cli(['usage', '--by', by, '--rollups', '--json']);
      expect(r.code).toBe(0);
      const fromRollups = JSON.parse(r.stdout) as { rows: unknown[]; total: unknown };
      expect(fromRollups.rows, `--rollups --by ${by}`).toEqual(fromStream.rows);
      expect(fromRollups.total).toEqual(fromStream.total);
    }
    r = await t.cli(['usage', '--key', nameA, '--rollups', '--json']);
    expect(JSON.parse(r.stdout).rows).toEqual([expect.objectContaining({ group: expect.stringContaining(nameA), requests: 3 })]);
    r = await t.cli(['usage', '--key', nameA, '--by', 'model', '--rollups']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--rollups: by: the rollups of one key are not split by model/);
    // The rollups hold model requests only: asking them for MCP tool calls is a clear refusal, not a silent model report.
    r = await t.cli(['usage', '--rollups', '--kind', 'mcp']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--rollups counts model requests only, not MCP tool calls/);
    r = await t.cli(['usage', '--rollups', '--kind', 'llm', '--by', 'model', '--json']);
    expect(JSON.parse(r.stdout).total).toMatchObject({ requests: 4 });

    r = await t.cli(['usage', '--by', 'provider']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^fake +4 /m);
    r = await t.cli(['usage', '--by', 'day', '--since', '7d']);
    expect(r.stdout).toContain(new Date().toISOString().slice(0, 10));
    r = await t.cli(['usage', '--since', '2000-01-01', '--until', '2000-01-02', '--json']);
    expect(JSON.parse(r.stdout).total.requests).toBe(0);
    r = await t.cli(['usage', '--since', 'yesterday-ish']);
    expect(r.code).toBe(1);

    r = await t.cli(['key', 'show', nameA, '--json']);
    const usage = JSON.parse(r.stdout).usage as Record<string, unknown>;
    expect(usage).toMatchObject({ today: { requests: 3, prompt_tokens: 6, completion_tokens: 15 }, requests_last_minute: 3, in_flight: 0, reserved_usd: 0 });
    expect((usage.today as { cost_usd: number }).cost_usd).toBeCloseTo(0.036, 9);
    expect(usage.budget_daily_remaining).toBeCloseTo(0.964, 9);
    expect(usage.budget_monthly_remaining).toBeNull();
    r = await t.cli(['key', 'show', nameA]);
    expect(r.stdout).toMatch(/spend today .*\$0\.036 \(3 requests/);
    expect(r.stdout).toMatch(/^requests, last minute: +3 \/ 100$/m);
  });

  it('reads events buffered late by their ts, not by their stream id', async () => {
    const ev: UsageEvent = {
      id: 'r1', key_id: 'k1', key_name: 'late', model: 'm', provider: 'p', upstream_model: 'm', endpoint: '/chat/completions',
      prompt_tokens: 1, completion_tokens: 1, cached_tokens: 0, estimated: false, cost_usd: 0.5, latency_ms: 10, ttfb_ms: 5,
      status: 200, attempts: 1, stream: false, aborted: false, error: '', ts: Date.now() - 3 * 3_600_000, cache_write_tokens: 0, cache_write_1h_tokens: 0,
    };
    await t.redis.xadd(RT_KEYS.usageStream, '*', ...encodeUsageEvent(ev));
    const r = await t.cli(['usage', '--since', '2h', '--json']);
    expect(JSON.parse(r.stdout).total.requests).toBe(0);
    const r2 = await t.cli(['usage', '--since', '4h', '--json']);
    expect(JSON.parse(r2.stdout).total).toMatchObject({ requests: 1, cost_usd: 0.5 });
    expect(JSON.parse(r2.stdout).trimmed_until).toBeNull();
    // A trimmed stream (MAXLEN) makes the report say that its range is incomplete.
    await t.redis.xadd(RT_KEYS.usageStream, 'MAXLEN', '1', '*', ...encodeUsageEvent({ ...ev, id: 'r2', ts: Date.now() }));
    const r3 = await t.cli(['usage', '--since', '4h']);
    expect(r3.stderr).toMatch(/trimmed from the usage stream .* incomplete/);
  });
});
