import { readKeySpend, RT_KEYS, utcDay, utcMonth, type ApiKey, type UsageEvent } from '@llmgw/core';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { seedKeyWithId } from './support/gateway.js';
import { useGatewayStack } from './support/stack.js';
import { until } from './support/wait.js';
import { streamEvents } from './support/usage-stream.js';

const stack = useGatewayStack();
const { redis, registry } = stack;

async function seedKey(key: Partial<ApiKey> = {}, prices: { input?: number; output?: number } = {}): Promise<{ raw: string; id: string; client: OpenAI }> {
  const { raw, id } = await seedKeyWithId(registry, stack.fake.url, key, { input: prices.input ?? 2, output: prices.output ?? 4 });
  return { raw, id, client: new OpenAI({ baseURL: stack.gw.baseURL, apiKey: raw, maxRetries: 0 }) };
}

async function events(): Promise<UsageEvent[]> {
  return (await streamEvents(redis));
}

async function waitEvents(n: number): Promise<UsageEvent[]> {
  const end = Date.now() + 5000;
  for (;;) {
    const e = await events();
    if (e.length >= n) return e;
    if (Date.now() > end) throw new Error(`expected ${n} usage events, have ${e.length}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const messages = [{ role: 'user' as const, content: 'hello world' }];

describe('usage events', () => {
  it('a plain request: tokens from the upstream, cost at the model price, spend counters', async () => {
    const { id, client } = await seedKey();
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(r.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 5 });
    const [e] = await waitEvents(1);
    expect(e).toMatchObject({
      key_id: id, model: 'gpt-4o-mini', provider: 'fake', upstream_model: 'gpt-4o-mini', endpoint: '/chat/completions',
      prompt_tokens: 2, completion_tokens: 5, cached_tokens: 0, estimated: false, status: 200, attempts: 1, stream: false, aborted: false, error: '',
    });
    expect(e!.cost_usd).toBeCloseTo((2 * 2 + 5 * 4) / 1e6, 12);
    expect(e!.id).toBe(r._request_id ?? e!.id);
    expect(e!.latency_ms).toBeGreaterThanOrEqual(e!.ttfb_ms);
    const now = new Date();
    const day = await redis.hgetall(RT_KEYS.keySpendDay(id, utcDay(now)));
    expect(day).toMatchObject({ requests: '1', prompt_tokens: '2', completion_tokens: '5', cached_tokens: '0' });
    expect(day.cost_nusd).toBe('24000');
    expect((await redis.hgetall(RT_KEYS.keySpendMonth(id, utcMonth(now)))).requests).toBe('1');
    expect(stack.gw.gw.stats.usageEventsWritten).toBeGreaterThanOrEqual(1);
  });

  it('a stream where the client asked for usage: it sees the usage chunk, the event has the same numbers', async () => {
    const { client } = await seedKey();
    stack.fake.setBehaviour({ chunks: 4 });
    const s = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    let seen: OpenAI.CompletionUsage | undefined;
    for await (const c of s) if (c.usage) seen = c.usage;
    expect(seen).toMatchObject({ prompt_tokens: 2, completion_tokens: 4 });
    const [e] = await waitEvents(1);
    expect(e).toMatchObject({ prompt_tokens: 2, completion_tokens: 4, estimated: false, stream: true, status: 200 });
  });

  it('a stream where the client did not ask: usage is recorded, and the client never sees the usage chunk', async () => {
    const { raw } = await seedKey();
    stack.fake.setBehaviour({ chunks: 4 });
    const res = await fetch(`${stack.gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${raw}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }),
    });
    const text = await res.text();
    expect(text).toContain('data: [DONE]');
    expect(text).not.toContain('"usage":{');
    expect(stack.fake.received.at(-1)!.json.stream_options).toEqual({ include_usage: true });
    const [e] = await waitEvents(1);
    expect(e).toMatchObject({ prompt_tokens: 2, completion_tokens: 4, estimated: false, stream: true });
  });

  it('an upstream without usage: counted with the tokenizer and marked estimated', async () => {
    const { client } = await seedKey();
    stack.fake.setBehaviour({ noUsage: true, content: 'The quick brown fox jumps over the lazy dog' });
    const s = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('The quick brown fox jumps over the lazy dog');
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const evs = await waitEvents(2);
    for (const e of evs) {
      // o200k: 9 tokens of text; prompt "hello world" = 2 tokens + 4 per message.
      expect(e).toMatchObject({ estimated: true, completion_tokens: 9, prompt_tokens: 6 });
      expect(e.cost_usd).toBeCloseTo((6 * 2 + 9 * 4) / 1e6, 12);
    }
  });

  it('a client that aborts mid-stream is billed for what was generated until then', async () => {
    const { raw } = await seedKey();
    stack.fake.setBehaviour({ chunks: 400, chunkDelayMs: 10 });
    const ac = new AbortController();
    const res = await fetch(`${stack.gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${raw}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    let got = '';
    while ((got.match(/"content":"[^"]/g) ?? []).length < 3) got += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    await reader.cancel().catch(() => {});
    const [e] = await waitEvents(1);
    expect(e).toMatchObject({ estimated: true, aborted: true, stream: true, prompt_tokens: 6, error: 'client_aborted' });
    expect(e!.completion_tokens).toBeGreaterThanOrEqual(3);
    expect(e!.completion_tokens).toBeLessThan(400);
    expect(e!.cost_usd).toBeGreaterThan(0);
  });

  it('a refused upstream call is recorded with its status and no tokens', async () => {
    const { client } = await seedKey();
    stack.fake.enqueue({ status: 400 });
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toThrow();
    const [e] = await waitEvents(1);
    expect(e).toMatchObject({ status: 400, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, estimated: false });
  });
});

describe('budgets', () => {
  // 1 USD per token: one request of 2 + 5 tokens spends $7.
  const pricey = { input: 1_000_000, output: 1_000_000 };

  async function spent(id: string): Promise<number> {
    return (await readKeySpend(redis, id, new Date())).today.cost_usd;
  }

  async function waitSpend(id: string, atLeast = 1e-12): Promise<void> {
    const end = Date.now() + 5000;
    while ((await spent(id)) < atLeast) {
      if (Date.now() > end) throw new Error('no spend recorded');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  // A request reserves its prompt (11 bytes + 4 per message = 15 tokens) plus max_tokens: 5 → $20; it spends $7.
  const capped = { model: 'gpt-4o-mini', messages, max_tokens: 5 };

  it('plain requests: admitted while the reserved cost fits what is left; the spend replaces the reservation', async () => {
    const { id, client } = await seedKey({ budget_daily: 50 }, pricey);
    for (let i = 1; i <= 5; i++) {
      await client.chat.completions.create(capped);
      await waitSpend(id, 7 * i);
    }
    // $35 spent: $20 more does not fit the $15 left. Refused before any upstream call.
    const err = await client.chat.completions.create(capped).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota');
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).type).toBe('insufficient_quota');
    expect(String((err as Error).message)).toMatch(/may cost up to \$20 .*more than the \$15 left of this API key's daily budget/);
    expect(stack.fake.received).toHaveLength(5);
    expect(await spent(id)).toBe(35);
    expect(stack.gw.gw.stats.budgetRefused).toBeGreaterThanOrEqual(1);
    // Nothing stays reserved once the spend is in.
    expect(await redis.zcard(RT_KEYS.keyReservations(id))).toBe(0);
    expect(await redis.get(RT_KEYS.keyReserved(id))).toBe('0');
  });

  it('streamed requests where the client did not ask for usage are billed too, against the monthly budget', async () => {
    const { id, client } = await seedKey({ budget_monthly: 30 }, pricey);
    for (let i = 1; i <= 2; i++) {
      const s = await client.chat.completions.create({ ...capped, stream: true });
      for await (const _ of s) void _;
      await waitSpend(id, 7 * i);
    }
    const err = await client.chat.completions.create({ ...capped, stream: true }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).status).toBe(429);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota');
    expect(String((err as Error).message)).toMatch(/monthly budget/);
  });

  it('without max_tokens the completion is reserved at the default, or at what the model sets', async () => {
    const a = await seedKey({ budget_daily: 1000 }, pricey);
    // 15 + 4096 (GW_RESERVE_OUTPUT_TOKENS) at $1 a token cannot fit $1000.
    const err = await a.client.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/may cost up to \$4111 .*Lower max_tokens/);
    await registry.updateModel('gpt-4o-mini', () => ({ reserve_output_tokens: 10 }));
    await until(async () => (await a.client.chat.completions.create({ model: 'gpt-4o-mini', messages }).then(() => true, () => false)), 'the model reservation applies');
  });

  it('a key under its budget keeps going; a zero budget refuses at once', async () => {
    const a = await seedKey({ budget_daily: 1000 }, pricey);
    for (let i = 0; i < 3; i++) await a.client.chat.completions.create(capped);
    const b = await seedKey({ budget_daily: 0 }, pricey);
    await expect(b.client.chat.completions.create(capped)).rejects.toMatchObject({ status: 429, code: 'insufficient_quota' });
    // Refused requests are in the usage stream with their reason, at zero cost, and spend nothing.
    let refused: UsageEvent[] = [];
    await until(async () => (refused = (await events()).filter((e) => e.key_id === b.id)).length > 0, 'the refused request in the stream');
    expect(refused).toMatchObject([{ status: 429, error: 'insufficient_quota', cost_usd: 0, attempts: 0, provider: '' }]);
    expect(await redis.exists(RT_KEYS.keySpendDay(b.id, utcDay(new Date())))).toBe(0);
  });
});
