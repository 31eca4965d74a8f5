// Helpers shared by the tests/routing-*.test.ts files: several fake providers behind one
// public model, and a chat call that returns what the selection headers say.
import type { ModelTarget, Provider, Registry, RoutingPolicy } from '@llmgw/core';
import type { FakeProvider } from '@llmgw/fake-provider';
import { beforeAll, beforeEach } from 'vitest';
import { useGatewayStack, type GatewayStack, type GatewayStackOptions } from './support/stack.js';

let counter = 0;
/** A name no other test in this file uses, so gateways' local health never leaks between tests. */
function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${++counter}`;
}

export interface ProviderSpec {
  fake?: FakeProvider;
  /** Overrides the fake's URL (e.g. a closed port). */
  url?: string;
  secrets?: string[];
  /** Provider fields (timeouts, …). */
  fields?: Partial<Provider>;
  /** Target fields in the model binding. */
  weight?: number;
  priority?: number;
  upstreamModel?: string;
}

/**
 * Providers named `<name>-<ns>` and one public model bound to all of them, in order.
 * Returns the provider names in the same order.
 */
export async function seedModel(registry: Registry, model: string, specs: Record<string, ProviderSpec>, policy: RoutingPolicy = 'priority'): Promise<Record<string, string>> {
  const ns = uniqueName('r');
  const names: Record<string, string> = {};
  const targets: ModelTarget[] = [];
  for (const [label, s] of Object.entries(specs)) {
    const name = `${label}-${ns}`;
    names[label] = name;
    await registry.addProvider({ name, base_url: s.url ?? s.fake!.url, secrets: s.secrets ?? [`sk-${label}-secret-0001`], ...s.fields });
    targets.push({ provider: name, model: s.upstreamModel ?? 'gpt-4o-mini', weight: s.weight ?? 1, priority: s.priority ?? 0 });
  }
  await registry.putModel({ name: model, targets, policy });
  return names;
}

export interface ChatResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
  provider: string | null;
  attempts: number;
  ms: number;
}

export async function chat(url: string, key: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<ChatResult> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'routed', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* a stream */
  }
  return {
    status: res.status,
    headers: res.headers,
    text,
    json,
    provider: res.headers.get('x-gateway-provider'),
    attempts: Number(res.headers.get('x-gateway-attempts') ?? 0),
    ms: performance.now() - t0,
  };
}

/** How many answers each provider gave. */
export function tally(results: ChatResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[r.provider ?? 'none'] = (out[r.provider ?? 'none'] ?? 0) + 1;
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RoutingStack extends GatewayStack {
  /** Fake providers A and B; filled in by beforeAll. */
  a: FakeProvider;
  b: FakeProvider;
  /** A new key, created before each test. */
  key: string;
}

/** The gateway stack with two fakes, A and B, and a fresh key for each test. */
export function useRoutingStack(opts: Omit<GatewayStackOptions, 'fakes'>): RoutingStack {
  const stack = useGatewayStack({ ...opts, fakes: 2 }) as RoutingStack;
  beforeAll(() => {
    [stack.a, stack.b] = [stack.fakes[0]!, stack.fakes[1]!];
  });
  beforeEach(async () => {
    stack.key = (await stack.registry.createKey({ name: `k-${Date.now()}` })).raw;
  });
  return stack;
}
