import { type UsageEvent } from '@llmgw/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postChat } from './support/gateway.js';
import { rawServer, type RawServer, type Respond } from './support/h1-servers.js';
import { useGatewayStack } from './support/stack.js';
import { until } from './support/wait.js';
import { streamEvents } from './support/usage-stream.js';

// A generation must never run twice without anyone knowing. An upstream that reads a whole
// request on a kept-alive connection and then closes it without a byte of answer may have
// started the generation (or finished it): the gateway does not send it again on its own, on
// either upstream client; the failover that follows is an attempt of its own, in the answer's
// x-gateway-attempts, the usage event and the metrics.

const env = { GW_EXPOSE_SELECTION: '1', GW_ADMIN_PORT: '0' };
const stack = useGatewayStack({ gateways: [{ ...env }, { ...env, GW_UPSTREAM_CLIENT: 'undici' }] });
const { registry, redis } = stack;
let raw: RawServer;
let key: string;

const completion = (n: number) =>
  JSON.stringify({
    id: `chatcmpl-raw-${n}`,
    object: 'chat.completion',
    created: 0,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: `raw answer ${n}` }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
  });
const answer = (n: number) => {
  const body = completion(n);
  return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
};

/** The raw upstream as provider `raw` (tried first), the fake as `fake` (second) when `withFallback`. */
async function seed(respond: Respond, withFallback: boolean): Promise<void> {
  raw = await rawServer(respond);
  await registry.addProvider({ name: 'raw', base_url: `${raw.origin}/v1`, secrets: ['sk-raw-secret-0001'] });
  await registry.bindModel('gpt-4o-mini', { provider: 'raw', model: 'gpt-4o-mini', priority: 0 });
  if (withFallback) {
    await registry.addProvider({ name: 'fake', base_url: stack.fake.url, secrets: ['sk-fake-secret-0001'] });
    await registry.bindModel('gpt-4o-mini', { provider: 'fake', model: 'gpt-4o-mini', priority: 1 }, 'priority');
  } else {
    await registry.updateModel('gpt-4o-mini', () => ({ policy: 'priority' }));
  }
}

async function usageEvent(id: string): Promise<UsageEvent> {
  let found: UsageEvent | undefined;
  await until(async () => {
    found = (await streamEvents(redis)).find((e) => e.id === id);
    return found !== undefined;
  }, `usage event ${id}`);
  return found!;
}

beforeEach(async () => {
  key = (await registry.createKey({ name: `k-${Date.now()}` })).raw;
});
afterEach(async () => {
  await raw?.close();
});

describe.each([
  ['native', 0],
  ['undici', 1],
])('an upstream request is never sent twice silently (%s client)', (_name, i) => {
  const gw = () => stack.gws[i]!;

  it('the upstream read the request on a kept-alive connection, then closed it: no resend; the failover is a counted attempt', async () => {
    await seed((_q, sock, n) => (n === 1 ? sock.destroy() : sock.write(answer(n))), true);
    const first = await postChat(gw(), key);
    expect(first.headers.get('x-gateway-provider')).toBe('raw');
    await first.text();

    const res = await postChat(gw(), key);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gateway-provider')).toBe('fake');
    expect(res.headers.get('x-gateway-attempts')).toBe('2');
    await res.text();
    // Exactly the two requests the client sent reached the raw upstream: nothing resent.
    await new Promise((r) => setTimeout(r, 200));
    expect(raw.requests).toHaveLength(2);
    expect(raw.requests.map((q) => q.conn)).toEqual([0, 0]);
    expect(stack.fake.received).toHaveLength(1);
    expect(await usageEvent(res.headers.get('x-request-id')!)).toMatchObject({ provider: 'fake', attempts: 2, status: 200 });
    expect(await gw().gw.metrics!.render()).toMatch(/llmgw_upstream_attempts_total\{provider="raw",status_class="error"\} 1/);
  });

  it('with no other target the client gets the error, and the upstream saw the request once', async () => {
    await seed((_q, sock, n) => (n === 1 ? sock.destroy() : sock.write(answer(n))), false);
    await (await postChat(gw(), key)).text();
    const res = await postChat(gw(), key);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_error');
    await new Promise((r) => setTimeout(r, 200));
    expect(raw.requests).toHaveLength(2);
    expect(await usageEvent(res.headers.get('x-request-id')!)).toMatchObject({ provider: 'raw', attempts: 1, status: 502, error: 'upstream_error' });
  });

  it('a connection the upstream closed while idle is not used: the next request goes on a fresh one, one attempt', async () => {
    await seed((_q, sock, n) => {
      sock.write(answer(n));
      if (n === 0) sock.destroy();
    }, false);
    await (await postChat(gw(), key)).text();
    await until(() => raw.closed === 1, 'the idle connection closed');
    const res = await postChat(gw(), key);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gateway-attempts')).toBe('1');
    expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('raw answer 1');
    expect(raw.requests.map((q) => q.conn)).toEqual([0, 1]);
  });
});
