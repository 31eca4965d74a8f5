import { healthFields, PROVIDER_SUBJECT, RT_KEYS, secretSubject, targetSubject, type ProviderStatusView } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useGwctl } from '../../../test/harness.js';
import { providerAdd } from './add.js';
import { providerReset } from './reset.js';
import { providerStatus } from './status.js';

const S1 = 'sk-live-first-0123456789abcdef';
const S2 = 'sk-live-second-0123456789abcdef';
const NOW = new Date('2026-06-01T12:00:00Z');
const T = NOW.getTime();
const LINE_404 = '404 from upstream for model gpt-nope (POST /chat/completions): the base URL may lack /v1, or the model does not exist there or does not serve this endpoint';

/** Health fields as the gateway's scripts write them (n e u l q k r). */
function fields(subject: string, v: [number, number, number, number, number, number, string]): string[] {
  return healthFields(subject).flatMap((f, i) => [f, String(v[i])]);
}

describe('provider status / reset', () => {
  const t = useGwctl();

  async function seed() {
    const { ctx } = t.context({ now: NOW });
    await providerAdd(ctx, { name: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: [S1, S2] });
    await providerAdd(ctx, { name: 'local', baseUrl: 'http://127.0.0.1:11434/v1', authType: 'none' });
    const key = RT_KEYS.providerHealth('openai');
    await t.redis.hset(
      key,
      ...fields(PROVIDER_SUBJECT, [2, T + 20_000, 0, 0, 0, 0, '']), // 2 failures in the window, not cooling
      ...fields(secretSubject(S2), [0, 0, T + 42_000, 2, 0, 1, '401']), // secret #2 cooling
      ...fields(secretSubject(S1), [0, 0, T - 1000, 1, T + 5000, 3, '429']), // secret #1 half-open, probe out
      ...fields(targetSubject('gpt-nope', '/chat/completions'), [0, 0, T + 9000, 1, 0, 0, LINE_404]), // a misconfigured binding
    );
  }

  it('shows per provider and per secret (masked, by number) failures, cooldowns and probes', async () => {
    await seed();
    const { ctx, out } = t.context({ now: NOW });
    await providerStatus(ctx, { name: 'openai', json: true });
    const v = JSON.parse(out.stdout()) as ProviderStatusView;
    expect(v.health).toMatchObject({ state: 'failing', fails: 2, cooldown_until: null, level: 0 });
    expect(v.secrets).toEqual([
      expect.objectContaining({ index: 1, secret: 'sk-l…cdef', state: 'probing', level: 1, probes: 3, probe_until: new Date(T + 5000).toISOString(), last_reason: '429' }),
      expect.objectContaining({ index: 2, secret: 'sk-l…cdef', state: 'cooling', cooldown_until: new Date(T + 42_000).toISOString(), cooldown_left_ms: 42_000, level: 2, last_reason: '401' }),
    ]);
    expect(v.targets).toEqual([expect.objectContaining({ model: 'gpt-nope', endpoint: '/chat/completions', state: 'cooling', cooldown_left_ms: 9000, last_reason: LINE_404 })]);
    expect(v.problems).toEqual(['secret #1: failing (429)', 'secret #2: failing (401)', LINE_404]);
    expect(out.stdout()).not.toContain(S1.slice(8, 20));

    const all = t.context({ now: NOW });
    await providerStatus(all.ctx, {});
    const text = all.out.stdout();
    expect(text).toMatch(/openai .*secret #2 sk-l…cdef .*cooling .*2026-06-01T12:00:42.000Z \(42s\)/);
    expect(text).toMatch(/local .*provider .*ok/);
    expect(text).toMatch(/openai .*model gpt-nope POST \/chat\/completions .*cooling .*404 from upstream for model gpt-nope/);
    expect(text).not.toContain(S2);
  });

  it('a failure window that has passed counts as nothing', async () => {
    await seed();
    const later = t.context({ now: new Date(T + 60_000) });
    await providerStatus(later.ctx, { name: 'openai', json: true });
    const v = JSON.parse(later.out.stdout()) as ProviderStatusView;
    expect(v.health).toMatchObject({ state: 'ok', fails: 0 });
    expect(v.secrets[0]!.state).toBe('half-open');
    expect(v.secrets[1]!.state).toBe('half-open');
  });

  it('reset --secret N clears one secret; reset clears the provider and all its secrets', async () => {
    await seed();
    const key = RT_KEYS.providerHealth('openai');
    const { ctx, out } = t.context({ now: NOW });
    await providerReset(ctx, { name: 'openai', secret: 2 });
    expect(out.stdout()).toContain('secret #2 (sk-l…cdef) cleared');
    expect(await t.redis.hexists(key, `${secretSubject(S2)}.u`)).toBe(0);
    expect(await t.redis.hexists(key, `${secretSubject(S1)}.u`)).toBe(1);
    await providerReset(ctx, { name: 'openai' });
    expect(await t.redis.exists(key)).toBe(0);
  });

  it('through the CLI: status [name] --json, reset --secret #N, and user errors', async () => {
    await seed();
    const st = await t.cli(['provider', 'status', 'openai', '--json']);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout).provider).toBe('openai');
    expect((await t.cli(['provider', 'reset', 'openai', '--secret', '#1'])).code).toBe(0);
    expect(await t.redis.hexists(RT_KEYS.providerHealth('openai'), `${secretSubject(S1)}.l`)).toBe(0);
    const missing = await t.cli(['provider', 'reset', 'openai', '--secret', '3']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('there is no #3');
    expect((await t.cli(['provider', 'reset', 'openai', '--secret', 'x'])).code).toBe(2);
    expect((await t.cli(['provider', 'status', 'nope'])).code).toBe(1);
  });
});
