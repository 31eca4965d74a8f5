import type { Provider } from '@llmgw/core';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Target } from '../request-context.js';
import { SecretEnv } from './secret-env.js';

const provider = (name: string, secrets: string[]): Provider => ({ name, type: 'openai', secrets }) as Provider;
const target = (p: Provider): Target => ({ provider: p, model: 'm', weight: 1, priority: 0 });

function setup(env: NodeJS.ProcessEnv) {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) }));
  let now = 1_000_000;
  return { lines, secrets: new SecretEnv(env, log, () => now), advance: (ms: number) => (now += ms) };
}

describe('SecretEnv', () => {
  const p = provider('p', ['env:A_KEY', 'sk-literal-0001', 'env:B_KEY', 'env:A_KEY']);

  it('resolves from its own environment and names what is unset there, never a value', () => {
    const { secrets } = setup({ B_KEY: 'sk-b-value-0001' });
    expect([0, 1, 2, 3].map((i) => secrets.resolve(p, i))).toEqual([undefined, 'sk-literal-0001', 'sk-b-value-0001', undefined]);
    expect(secrets.unset(p)).toEqual({ variables: ['A_KEY'], secrets: [1, 4] });
    expect(secrets.unset(provider('q', ['sk-x', 'env:B_KEY']))).toBeNull();
    expect(secrets.unusable(p)).toBe(false);
    expect(secrets.unusable(provider('r', ['env:A_KEY']))).toBe(true);
    expect(secrets.unusable(provider('none', []))).toBe(false);
  });

  it('a request that passes over an unset secret logs it at most once a minute per provider', () => {
    const { secrets, lines, advance } = setup({});
    const q = provider('q', ['env:Q_KEY']);
    for (let i = 0; i < 5; i++) secrets.resolve(p, 0);
    secrets.resolve(q, 0);
    expect(lines.map((l) => [l.provider, l.variables])).toEqual([['p', ['A_KEY', 'B_KEY']], ['q', ['Q_KEY']]]);
    advance(59_000);
    secrets.resolve(p, 0);
    expect(lines).toHaveLength(2);
    advance(1_000);
    secrets.resolve(p, 0);
    expect(lines).toHaveLength(3);
  });

  it('nothingUsable: a 503 naming every provider and variable when no target has a usable secret; null otherwise', () => {
    const { secrets } = setup({ B_KEY: 'x' });
    const a = provider('a', ['env:A_KEY']);
    const c = provider('c', ['env:C_KEY', 'env:D_KEY']);
    const err = secrets.nothingUsable([target(a), target(c), target(a)], 'pub');
    expect(err).toMatchObject({ status: 503, code: 'provider_secret_unset' });
    expect(err!.message).toBe('No provider can serve the model `pub` on this gateway instance: the environment variables A_KEY (provider "a"), C_KEY (provider "c"), D_KEY (provider "c") are unset here.');
    expect(secrets.nothingUsable([target(a), target(provider('b', ['env:B_KEY']))], 'pub')).toBeNull();
  });
});
