// Property: over small generated registries (aliases, chains, cycles, dangling aliases, groups
// of targets, a disabled provider) and keys (globs, exact names, provider allow-lists), a name
// is in GET /v1/models exactly when GET /v1/models/{name} finds it, exactly when chat does not
// refuse it as unknown or not allowed, and exactly when the access rule written out plainly
// below says so. Seeded, so a failure names the registry that broke it.
import type { Model } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useGatewayStack } from './support/stack.js';

const stack = useGatewayStack({ env: { GW_CACHE_TTL_MS: '0', GW_NEGATIVE_CACHE_TTL_MS: '0' } });
const { registry } = stack;

/** mulberry32: a small deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PROVIDERS = ['pa', 'pb', 'pc'];
const REAL = ['m-a', 'm-b', 'x-c', 'x-d'];
const ALIASES = ['al-1', 'al-2', 'al-3', 'm-al'];

interface World {
  models: Map<string, Pick<Model, 'name' | 'alias_of' | 'targets'>>;
  keys: Array<{ models: string[]; providers: string[] }>;
}

function generate(seed: number): World {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const subset = <T>(xs: readonly T[], min: number): T[] => {
    const out = xs.filter(() => r() < 0.5);
    while (out.length < min) {
      const x = pick(xs);
      if (!out.includes(x)) out.push(x);
    }
    return out;
  };
  const models: World['models'] = new Map();
  for (const name of REAL) {
    const targets = subset(PROVIDERS, 1).map((provider, i) => ({ provider, model: `${name}-up-${provider}`, weight: 1, priority: i }));
    models.set(name, { name, targets });
  }
  const names = [...REAL];
  for (const name of ALIASES) {
    models.set(name, { name, alias_of: r() < 0.1 ? 'gone' : pick(names), targets: [] });
    names.push(name);
  }
  if (r() < 0.5) {
    models.set('cy-1', { name: 'cy-1', alias_of: 'cy-2', targets: [] });
    models.set('cy-2', { name: 'cy-2', alias_of: 'cy-1', targets: [] });
  }
  const entries = ['*', 'm-*', 'x-*', 'al-*', 'm-?', ...models.keys()];
  const keys = Array.from({ length: 3 }, () => ({ models: subset(entries, 1).slice(0, 3), providers: r() < 0.5 ? [] : subset(PROVIDERS, 1) }));
  return { models, keys };
}

/** The access rule, written out plainly (not the gateway's code). */
function oracle(w: World, key: World['keys'][number], name: string): boolean {
  const chain: string[] = [];
  let m = w.models.get(name);
  for (let hops = 0; m?.alias_of && hops < 4; hops++) {
    chain.push(m.name);
    m = w.models.get(m.alias_of);
  }
  if (!m || m.alias_of) return false;
  const glob = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const allowed = key.models.some((e) => glob(e).test(m.name)) || key.models.some((e) => !/[*?]/.test(e) && chain.includes(e));
  const reachable = key.providers.length === 0 || m.targets.some((t) => key.providers.includes(t.provider));
  return allowed && reachable;
}

async function seed(w: World, pcDisabled: boolean): Promise<string[]> {
  for (const p of PROVIDERS) {
    await registry.addProvider({ name: p, base_url: stack.fake.url, secrets: [`sk-upstream-${p}-0001`], status: p === 'pc' && pcDisabled ? 'disabled' : 'active' });
  }
  for (const m of w.models.values()) await registry.putModel(m);
  const raws: string[] = [];
  for (const k of w.keys) raws.push((await registry.createKey({ name: `k-${raws.length}`, models: k.models, providers: k.providers })).raw);
  return raws;
}

const get = (path: string, key: string) => fetch(`${stack.gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

describe('GET /v1/models agrees with chat and with the access rule', () => {
  it.each(Array.from({ length: 12 }, (_, i) => 1000 + i * 7919))('registry seed %i', async (s) => {
    const w = generate(s);
    const raws = await seed(w, s % 2 === 0);
    const names = [...w.models.keys(), 'unknown-model'];
    for (let k = 0; k < raws.length; k++) {
      const raw = raws[k]!;
      const list = new Set(((await (await get('/v1/models', raw)).json()) as { data: Array<{ id: string }> }).data.map((m) => m.id));
      for (const name of names) {
        const chat = await fetch(`${stack.gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${raw}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: name, messages: [{ role: 'user', content: 'hi' }] }),
        });
        await chat.text();
        const one = await get(`/v1/models/${name}`, raw);
        await one.text();
        const why = JSON.stringify({ seed: s, name, key: w.keys[k], models: [...w.models.values()] });
        const expected = oracle(w, w.keys[k]!, name);
        expect(list.has(name), why).toBe(expected);
        expect(one.status === 200, why).toBe(expected);
        expect(chat.status !== 403 && chat.status !== 404, `${why} chat ${chat.status}`).toBe(expected);
      }
    }
  });
});
