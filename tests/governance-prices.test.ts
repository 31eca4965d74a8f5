// Prices: well-known models are priced from the bundled table (the README's budget example
// works without a `gwctl model price`); a key with a budget is refused a model nobody priced,
// or served it at cost 0 with a warning when the operator opts in; refusals are counted by reason.
import { type ApiKey } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { scrape, sum } from './observability-helpers.js';
import { postChat } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';
import { until } from './support/wait.js';
import { streamEvents } from './support/usage-stream.js';

const stack = useGatewayStack({ gateways: [{ GW_ADMIN_PORT: '0' }, { GW_UNPRICED_MODELS: 'serve' }] });
const { redis, registry } = stack;

async function key(fields: Partial<ApiKey>): Promise<{ raw: string; id: string }> {
  const { raw, key: k } = await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 8)}`, ...fields });
  return { raw, id: k.id };
}

async function events(keyId: string) {
  return (await streamEvents(redis)).filter((e) => e.key_id === keyId);
}

describe('prices', () => {
  it("a well-known upstream model is priced from the table: the README's budget example enforces its budget", async () => {
    await registry.addProvider({ name: 'openai', base_url: stack.fake.url, secrets: ['sk-test-0001'] });
    await registry.bindModel('gpt-4o-mini', { provider: 'openai', model: 'gpt-4o-mini' });
    const { raw, id } = await key({ models: ['gpt-4o*'], rpm: 600, budget_monthly: 50 });
    const r = await postChat(stack.gw, raw);
    expect(r.status).toBe(200);
    await until(async () => (await events(id)).length === 1, 'usage written');
    // The fake answers 2 prompt + 5 completion tokens; gpt-4o-mini is $0.15 / $0.60 per million.
    expect((await events(id))[0]!.cost_usd).toBeCloseTo((2 * 0.15 + 5 * 0.6) / 1e6, 12);
  });

  it('a key with a budget is refused a model with no price, with the fix named; the refusal is in usage and metrics', async () => {
    await registry.addProvider({ name: 'local', base_url: stack.fake.url, secrets: ['sk-test-0002'] });
    await registry.bindModel('llama3:8b', { provider: 'local', model: 'llama3:8b' });
    const { raw, id } = await key({ budget_daily: 5 });
    const r = await postChat(stack.gw, raw, { model: 'llama3:8b' });
    expect(r.status).toBe(403);
    const err = ((await r.json()) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('model_unpriced');
    expect(err.message).toMatch(/`llama3:8b` has no price .*gwctl model price llama3:8b --input <usd> --output <usd>.*GW_UNPRICED_MODELS=serve/);
    expect(stack.fake.received).toHaveLength(0);
    await until(async () => (await events(id)).length === 1, 'the refusal in the usage stream');
    expect((await events(id))[0]).toMatchObject({ status: 403, error: 'model_unpriced', cost_usd: 0, attempts: 0 });
    const m = await scrape(stack.gw.gw.adminPort!);
    expect(sum(m, 'llmgw_requests_refused_total', { reason: 'model_unpriced', endpoint: '/chat/completions' })).toBe(1);

    // A key without a budget is served it (nothing to enforce), and so is a priced model.
    const free = await key({});
    expect((await postChat(stack.gw, free.raw, { model: 'llama3:8b' })).status).toBe(200);
    await registry.updateModel('llama3:8b', () => ({ price_input: 0.1, price_output: 0.2 }));
    await until(async () => (await postChat(stack.gw, raw, { model: 'llama3:8b', max_tokens: 5 })).status === 200, 'served once priced');
  });

  it('with GW_UNPRICED_MODELS=serve it is served at cost 0 and warned about', async () => {
    await registry.addProvider({ name: 'local', base_url: stack.fake.url, secrets: ['sk-test-0003'] });
    await registry.bindModel('llama3:8b', { provider: 'local', model: 'llama3:8b' });
    const { raw, id } = await key({ budget_daily: 5 });
    const pod = stack.gws[1]!;
    expect((await postChat(pod, raw, { model: 'llama3:8b' })).status).toBe(200);
    await until(async () => (await events(id)).length === 1, 'usage written');
    expect((await events(id))[0]).toMatchObject({ status: 200, cost_usd: 0 });
    expect(pod.gw.stats.unpricedServed).toBe(1);
    expect(pod.logs.text).toMatch(/serving a model with no price to a key with a budget/);
  });

  it('a model with a priced and an unpriced target: a key with a budget only goes to the priced one', async () => {
    await registry.addProvider({ name: 'priced', base_url: stack.fakes[0]!.url, secrets: ['sk-test-0004'] });
    await registry.addProvider({ name: 'unpriced', base_url: stack.fakes[0]!.url, secrets: ['sk-test-0005'] });
    await registry.bindModel('mixed', { provider: 'priced', model: 'gpt-4o-mini' });
    await registry.bindModel('mixed', { provider: 'unpriced', model: 'my-finetune-v3' });
    const { raw } = await key({ budget_daily: 5 });
    for (let i = 0; i < 6; i++) expect((await postChat(stack.gw, raw, { model: 'mixed', max_tokens: 5 })).status).toBe(200);
    expect(new Set(stack.fake.received.map((r) => r.json?.model))).toEqual(new Set(['gpt-4o-mini']));
  });
});
