import { hashKey } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { useGwctl } from '../test/harness.js';
import { EXIT } from './errors.js';
import { parseAuthType, parsePolicy } from './parse.js';

// Other gateways' spellings (one-api-nginx's first), accepted as aliases of our own flags.
describe("other gateways' spellings", () => {
  const t = useGwctl();
  const registry = () => t.context().registry;

  it('policies: ours, and rr, wrr, failover, least_conn… mapped to ours; anything else refused', () => {
    expect(['rr', 'RR', 'round_robin', 'roundrobin', 'round-robin'].map(parsePolicy)).toEqual(Array(5).fill('round-robin'));
    expect(['wrr', 'weighted_round_robin', 'random', 'simple-shuffle'].map(parsePolicy)).toEqual(Array(4).fill('weighted'));
    expect(['failover', 'fallback', 'priority'].map(parsePolicy)).toEqual(Array(3).fill('priority'));
    expect(['least_conn', 'least-busy', 'least_busy', 'leastconn'].map(parsePolicy)).toEqual(Array(4).fill('least-busy'));
    expect(['fastest', 'lowest_latency', 'latency'].map(parsePolicy)).toEqual(Array(3).fill('latency'));
    expect(() => parsePolicy('sometimes')).toThrow(/use round-robin, weighted, priority, least-busy, latency/);
    expect(['Bearer', 'authorization', 'none', 'off', 'x-api-key', 'api-key'].map(parseAuthType)).toEqual(['bearer', 'bearer', 'none', 'none', 'header:x-api-key', 'header:api-key']);
  });

  it('provider: --auth-value is --api-key, --status is --disabled, --auth-type takes a header name', async () => {
    let r = await t.cli(['provider', 'add', 'openai', '--base-url', 'https://api.openai.com/v1', '--auth-type', 'Bearer', '--auth-value', 'sk-one-0123456789abcdef']);
    expect(r.code, r.stderr).toBe(0);
    expect(await registry().getProvider('openai')).toMatchObject({ auth_type: 'bearer', secrets: ['sk-one-0123456789abcdef'], status: 'active' });
    r = await t.cli(['provider', 'edit', 'openai', '--auth-value', 'sk-two-0123456789abcdef']);
    expect(r.code, r.stderr).toBe(0);
    expect((await registry().getProvider('openai'))!.secrets).toEqual(['sk-two-0123456789abcdef']);
    // Both spellings together collect, as repeating --api-key does.
    await t.cli(['provider', 'add', 'both', '--base-url', 'https://x.example/v1', '--api-key', 'sk-a-0123456789abcdef', '--auth-value', 'sk-b-0123456789abcdef', '--status', 'disabled']);
    expect(await registry().getProvider('both')).toMatchObject({ secrets: ['sk-a-0123456789abcdef', 'sk-b-0123456789abcdef'], status: 'disabled' });
    await t.cli(['provider', 'add', 'claude', '--type', 'anthropic', '--base-url', 'https://api.anthropic.com', '--auth-type', 'x-api-key', '--api-key-env', 'ANTHROPIC_API_KEY']);
    expect(await registry().getProvider('claude')).toMatchObject({ auth_type: 'header', auth_header: 'x-api-key', base_url: 'https://api.anthropic.com/v1' });
    expect((await t.cli(['provider', 'add', 'x', '--base-url', 'https://x.example/v1', '--status', 'on'])).code).toBe(EXIT.usage);
    expect((await t.cli(['provider', 'add', 'x', '--base-url', 'https://x.example/v1', '--auth-type', 'digest'])).code).toBe(EXIT.usage);
  });

  it('a bare well-known host gets its API path, said on stderr; an unknown bare host is kept with a warning', async () => {
    let r = await t.cli(['provider', 'add', 'openai', '--base-url', 'https://api.openai.com']);
    expect(r.stderr).toMatch(/^note: base URL https:\/\/api\.openai\.com is the bare host; using https:\/\/api\.openai\.com\/v1, where its API lives\n/);
    expect(r.stdout).toContain('https://api.openai.com/v1');
    r = await t.cli(['provider', 'add', 'local', '--base-url', 'http://127.0.0.1:8000', '--auth-type', 'none']);
    expect(r.stderr).toMatch(/^warning: base URL http:\/\/127\.0\.0\.1:8000 has no path, so requests go to http:\/\/127\.0\.0\.1:8000\/chat\/completions; .*give http:\/\/127\.0\.0\.1:8000\/v1 if yours does\n$/);
    expect((await registry().getProvider('local'))!.base_url).toBe('http://127.0.0.1:8000');
    await t.cli(['provider', 'edit', 'local', '--base-url', 'https://openrouter.ai']);
    expect((await registry().getProvider('local'))!.base_url).toBe('https://openrouter.ai/api/v1');
  });

  it("key add in one-api-nginx's form: --providers, --status, --policy rr; the name is the key clients send", async () => {
    await t.cli(['provider', 'add', 'openai', '--base-url', 'https://api.openai.com/v1']);
    const r = await t.cli(['key', 'add', 'demo', '--providers', 'openai', '--status', 'active', '--policy', 'rr', '--model-allow', '*']);
    expect(r.code, r.stderr).toBe(0);
    expect(await registry().getKeyByHash(hashKey('demo'))).toMatchObject({ name: 'demo', providers: ['openai'], policy: 'round-robin', status: 'active', models: ['*'] });
    expect(r.stderr).toMatch(/^warning: the key "demo" is 4 characters long: anyone can guess it/m);
    expect(r.stderr).toMatch(/^warning: one-api-nginx form \(key add KEY --status …\): "demo" is both the name and the key clients send/m);
    // Our own spelling keeps ours: a name, and a generated key.
    const ours = await t.cli(['key', 'add', 'team-a', '--provider-allow', 'openai', '-o', 'json']);
    expect(JSON.parse(ours.stdout).key).toMatch(/^gw-[A-Za-z0-9]{40}$/);
    expect(await registry().getKeyByRaw('team-a')).toBeNull();
    const disabled = await t.cli(['key', 'add', 'off-key', '--status', 'disabled', '--key', 'sk-chosen-0123456789abcdef']);
    expect(disabled.code).toBe(0);
    expect(await registry().getKeyByRaw('sk-chosen-0123456789abcdef')).toMatchObject({ name: 'off-key', status: 'disabled' });
  });

  it('key add NAME --key VALUE: a chosen key, stored hashed; a short one typed is warned about, a short one piped needs --allow-short-key', async () => {
    let r = await t.cli(['key', 'add', 'legacy', '--key', 'sk-short']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('warning: --key is 8 characters long: anyone can guess it; keep it to local demos (gwctl key rotate legacy issues a strong one)\n');
    expect(r.stdout).not.toContain('sk-short');
    expect(JSON.stringify(await t.redis.hgetall(`gw:key:${hashKey('sk-short')}`))).not.toContain('sk-short');
    r = await t.cli(['key', 'add', 'piped', '--key', '-'], { stdin: 'sk-piped\n' });
    expect(r).toMatchObject({ code: EXIT.user, stderr: 'error: --key is too short: an imported key needs at least 20 characters\nhint: a short key is guessable; pass --allow-short-key if you mean it\n' });
    r = await t.cli(['key', 'add', 'piped', '--key', '-', '--allow-short-key'], { stdin: 'sk-piped\n' });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('sk-piped');
    expect(await registry().getKeyByRaw('sk-piped')).toMatchObject({ name: 'piped' });
  });

  it('model bind --policy and model policy take the other spellings too', async () => {
    await t.cli(['provider', 'add', 'openai', '--base-url', 'https://api.openai.com/v1']);
    expect((await t.cli(['model', 'bind', 'm', '--provider', 'openai', '--policy', 'failover'])).code).toBe(0);
    expect((await registry().getModel('m'))!.policy).toBe('priority');
    expect((await t.cli(['model', 'policy', 'm', 'least_conn'])).code).toBe(0);
    expect((await registry().getModel('m'))!.policy).toBe('least-busy');
  });

  it('help lists our flags first and the aliases under their own heading', async () => {
    const help = (await t.cli(['key', 'add', '--help'])).stdout;
    expect(help.indexOf('--provider-allow')).toBeLessThan(help.indexOf("Also accepted (other gateways' spellings):"));
    expect(help).toMatch(/Also accepted \(other gateways' spellings\):\n\s+--providers <names>\s+--provider-allow \(one-api-nginx\)\n\s+--status <status>\s+--disabled \(one-api-nginx: active or disabled;\s+without --key, NAME is then the key/);
    expect((await t.cli(['provider', 'edit', '--help'])).stdout).toMatch(/--auth-value <secret>\s+--api-key \(one-api-nginx\)/);
  });
});

describe('secrets from stdin (--api-key -)', () => {
  const t = useGwctl();
  const A = 'sk-stdin-first-0123456789abcdef';
  const B = 'sk-stdin-second-0123456789abcdef';

  it('reads one secret per line, and no output of any command shows them', async () => {
    let r = await t.cli(['provider', 'add', 'p', '--base-url', 'https://x.example/v1', '--api-key', '-'], { stdin: `${A}\n\n${B}\r\n` });
    expect(r.code, r.stderr).toBe(0);
    expect((await t.context().registry.getProvider('p'))!.secrets).toEqual([A, B]);
    const outputs = [r];
    for (const argv of [['provider', 'list'], ['provider', 'show', 'p'], ['provider', 'status', 'p']]) {
      for (const f of ['table', 'wide', 'json', 'yaml', 'name']) outputs.push(await t.cli([...argv, '-o', f]));
    }
    r = await t.cli(['provider', 'edit', 'p', '--add-api-key', '-'], { stdin: `${A}x\n` });
    expect(r.code, r.stderr).toBe(0);
    outputs.push(r);
    for (const o of outputs) {
      expect(o.stdout + o.stderr).not.toContain(A);
      expect(o.stdout + o.stderr).not.toContain(B);
    }
  });

  it('stdin is read once, and an empty one is refused', async () => {
    await t.cli(['provider', 'add', 'p', '--base-url', 'https://x.example/v1']);
    let r = await t.cli(['provider', 'edit', 'p', '--api-key', '-', '--add-api-key', '-'], { stdin: `${A}\n` });
    expect(r).toMatchObject({ code: EXIT.user, stderr: 'error: --api-key - and --add-api-key -: standard input can be read once\nhint: give - to one secret flag only\n' });
    r = await t.cli(['provider', 'edit', 'p', '--auth-value', '-'], { stdin: '\n' });
    expect(r).toMatchObject({ code: EXIT.user, stderr: 'error: --api-key -: no secret on standard input\n' });
  });
});
