// The console's admin API against a real Redis: every route under every role (401 without a
// token, 403 below the route's role, and nothing written then), the audit entries writes
// leave, bad input (a 400 naming the field, nothing written), sessions with CSRF.
import { readFileSync } from 'node:fs';
import { readAudit, RT_KEYS, type UsageEvent } from '@llmgw/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROUTES } from '../packages/console/src/server.js';
import { startTestConsole, tokensByRole, type TestConsole } from './support/console.js';
import { useTestRedis } from './support/redis.js';
import { startMcpUpstream, type McpUpstream } from './support/mcp-upstream.js';
import { recordUsage } from './support/usage-rollups.js';

const { redis, url: redisUrl } = useTestRedis();
let c: TestConsole;
let tok: Record<'viewer' | 'editor' | 'admin', string>;

beforeAll(async () => {
  c = await startTestConsole(redisUrl);
});
afterAll(async () => {
  await c.close();
});
beforeEach(async () => {
  tok = await tokensByRole(redis);
});

async function call(method: string, path: string, opts: { token?: string; body?: unknown; cookie?: string; csrf?: string; raw?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.csrf) headers['x-csrf-token'] = opts.csrf;
  const res = await fetch(`${c.url}${path}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

/** Everything in this database but sessions: the registry, the audit log, tokens. */
async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const k of (await redis.keys('*')).sort()) {
    if (k.startsWith('gw:admin:session:')) continue;
    const type = await redis.type(k);
    out[k] = type === 'hash' ? await redis.hgetall(k) : type === 'set' ? (await redis.smembers(k)).sort() : type === 'stream' ? await redis.xlen(k) : await redis.get(k);
  }
  return out;
}

async function seed(): Promise<void> {
  expect((await call('POST', '/api/v1/providers', { token: tok.editor, body: { name: 'up', base_url: 'http://127.0.0.1:9/v1', secrets: ['sk-live-abcdefghijklmnop'] } })).status).toBe(201);
  expect((await call('POST', '/api/v1/models/m1/targets', { token: tok.editor, body: { provider: 'up' } })).status).toBe(200);
  expect((await call('POST', '/api/v1/keys', { token: tok.editor, body: { name: 'k1', rpm: 10 } })).status).toBe(201);
  // An MCP server named like the model, so that every {name} route finds what it names (nothing listens on port 9).
  expect((await call('POST', '/api/v1/mcp', { token: tok.editor, body: { name: 'm1', url: 'http://127.0.0.1:9/mcp', headers: { 'X-Team': 'sk-mcp-literal-1234567' }, timeout_ms: 2000 } })).status).toBe(201);
}

const fill = (path: string) => path.replace('{ref}', 'k1').replace('{name}', 'm1').replace('{provider}', 'up');

describe('roles', () => {
  const guarded = ROUTES.filter((r) => r.role !== null);
  const below = { viewer: [], editor: ['viewer'], admin: ['viewer', 'editor'] } as const;

  it('every guarded route answers 401 without a token or with an unknown one, and writes nothing', async () => {
    await seed();
    const before = await snapshot();
    for (const r of guarded) {
      for (const token of [undefined, 'gwadm-not-a-token']) {
        const res = await call(r.method, fill(r.path), { token, body: r.body ? {} : undefined });
        expect(res.status, `${r.method} ${r.path}`).toBe(401);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('every route answers 403 to a role below its own, and writes nothing', async () => {
    await seed();
    const before = await snapshot();
    let checked = 0;
    for (const r of guarded) {
      for (const role of below[r.role!]) {
        const res = await call(r.method, fill(r.path), { token: tok[role], body: r.body ? { name: 'x' } : undefined });
        expect(res.status, `${role} ${r.method} ${r.path}`).toBe(403);
        expect(res.json.error.message).toContain(r.role);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
    expect(await snapshot()).toEqual(before);
  });

  it('every route lets its own role and those above it through (no 401/403)', async () => {
    const order = ['viewer', 'editor', 'admin'] as const;
    for (const r of guarded) {
      for (const role of order.slice(order.indexOf(r.role!))) {
        await redis.flushdb();
        tok = await tokensByRole(redis);
        await seed();
        const res = await call(r.method, fill(r.path), { token: tok[role], body: r.body ? {} : undefined });
        expect([401, 403], `${role} ${r.method} ${r.path}: ${JSON.stringify(res.json)}`).not.toContain(res.status);
      }
    }
  });
});

describe('providers, models and keys', () => {
  it('a provider is added, shown with its secret masked, changed and deleted, each write audited with the token name', async () => {
    await seed();
    const got = await call('GET', '/api/v1/providers/up', { token: tok.viewer });
    expect(got.json.secrets).toEqual(['sk-l…mnop']);
    expect(JSON.stringify(got.json)).not.toContain('sk-live-abcdefghijklmnop');
    expect((await call('PATCH', '/api/v1/providers/up', { token: tok.editor, body: { weight: 3, secrets: ['sk-next-abcdefghijklmnop'] } })).json.item.weight).toBe(3);
    expect((await call('DELETE', '/api/v1/providers/up', { token: tok.editor })).status).toBe(409);
    expect((await call('DELETE', '/api/v1/models/m1/targets/up', { token: tok.editor })).json.item).toBeNull();
    expect((await call('DELETE', '/api/v1/providers/up', { token: tok.editor })).status).toBe(200);
    expect((await call('GET', '/api/v1/providers/up', { token: tok.viewer })).status).toBe(404);

    const audit = await readAudit(redis);
    const update = audit.find((e) => e.action === 'provider.update')!;
    expect(update.actor).toBe('token:editor');
    expect(update.before).toMatchObject({ weight: 1, secrets: ['sk-l…mnop'] });
    expect(update.after).toMatchObject({ weight: 3, secrets: ['sk-n…mnop'] });
    expect(JSON.stringify(audit)).not.toMatch(/sk-(live|next)-abcdefghijklmnop/);
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['provider.create', 'model.create', 'key.create', 'model.delete', 'provider.delete']));
  });

  it('a model gets prices, an alias, and is unbound and deleted', async () => {
    await seed();
    expect((await call('PATCH', '/api/v1/models/m1', { token: tok.editor, body: { price_input: 0.15, price_output: 0.6 } })).json).toMatchObject({ price_input: 0.15, price_output: 0.6 });
    expect((await call('POST', '/api/v1/aliases', { token: tok.editor, body: { name: 'fast', alias_of: 'm1' } })).status).toBe(201);
    expect((await call('GET', '/api/v1/models/fast', { token: tok.viewer })).json.alias_of).toBe('m1');
    expect((await call('PATCH', '/api/v1/models/m1', { token: tok.editor, body: { price_input: null } })).json.price_input).toBeUndefined();
    expect((await call('DELETE', '/api/v1/models/fast', { token: tok.editor })).status).toBe(200);
    const list = await call('GET', '/api/v1/models', { token: tok.viewer });
    expect(list.json.items.map((m: any) => m.name)).toEqual(['m1']);
    expect((await readAudit(redis, { action: 'model.update' }))[0]).toMatchObject({ actor: 'token:editor', before: { price_input: 0.15 }, target: 'm1' });
  });

  it('a key: raw key once on create and rotate, never after; edit, disable, enable, delete', async () => {
    await seed();
    const created = await call('POST', '/api/v1/keys', { token: tok.editor, body: { name: 'team-a', models: ['m*'], budget_daily: 5 } });
    expect(created.json.key).toMatch(/^gw-/);
    const raw: string = created.json.key;
    const list = await call('GET', '/api/v1/keys', { token: tok.viewer });
    expect(JSON.stringify(list.json)).not.toContain(raw);
    expect(list.json.items[0]).not.toHaveProperty('hash');
    const edited = await call('PATCH', '/api/v1/keys/team-a', { token: tok.editor, body: { rpm: 2, budget_daily: null } });
    expect(edited.json).toMatchObject({ rpm: 2 });
    expect(edited.json).not.toHaveProperty('budget_daily');
    expect((await call('POST', '/api/v1/keys/team-a/disable', { token: tok.editor })).json.status).toBe('disabled');
    expect((await call('POST', '/api/v1/keys/team-a/enable', { token: tok.editor })).json.status).toBe('active');
    const rotated = await call('POST', '/api/v1/keys/team-a/rotate', { token: tok.editor });
    expect(rotated.json.key).toMatch(/^gw-/);
    expect(rotated.json.key).not.toBe(raw);
    expect(rotated.json.item.id).toBe(created.json.item.id);
    expect((await call('DELETE', '/api/v1/keys/team-a', { token: tok.editor })).status).toBe(200);
    expect((await call('GET', '/api/v1/keys/team-a', { token: tok.viewer })).status).toBe(404);
    const actions = (await readAudit(redis, { actor: 'token:editor' })).filter((e) => e.target === 'team-a').map((e) => e.action);
    expect(actions).toEqual(['key.delete', 'key.rotate', 'key.update', 'key.update', 'key.update', 'key.create']);
  });
});

describe('MCP servers', () => {
  let up: McpUpstream;
  beforeAll(async () => {
    up = await startMcpUpstream('http', 'calc');
  });
  afterAll(async () => {
    await up.close();
  });

  it('added, listed and shown with literal header values masked, changed, tested, deleted; each write audited', async () => {
    const secret = 'sk-calc-literal-abcdefgh';
    const made = await call('POST', '/api/v1/mcp', { token: tok.editor, body: { name: 'calc', url: up.url, headers: { Authorization: 'env:CONSOLE_TEST_CALC_TOKEN', 'X-Team': secret }, description: 'sums' } });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ name: 'calc', transport: 'streamable-http', status: 'active', headers: { Authorization: 'env:CONSOLE_TEST_CALC_TOKEN', 'X-Team': 'sk-c…efgh' } });
    const list = await call('GET', '/api/v1/mcp', { token: tok.viewer });
    expect(list.json.items.map((x: any) => x.name)).toEqual(['calc']);
    expect((await call('GET', '/api/v1/mcp/calc', { token: tok.viewer })).json.description).toBe('sums');
    expect((await call('GET', '/api/v1/mcp/nope', { token: tok.viewer })).status).toBe(404);

    // The env: header is read from the console's environment: unset, the test says which variable it needs.
    let t = await call('POST', '/api/v1/mcp/calc/test', { token: tok.editor });
    expect(t.json).toMatchObject({ ok: false, message: expect.stringMatching(/needs CONSOLE_TEST_CALC_TOKEN in the console's environment/) });
    process.env.CONSOLE_TEST_CALC_TOKEN = 'Bearer calc-token';
    try {
      t = await call('POST', '/api/v1/mcp/calc/test', { token: tok.editor });
    } finally {
      delete process.env.CONSOLE_TEST_CALC_TOKEN;
    }
    expect(t.json).toMatchObject({ ok: true, server: 'calc', server_info: { name: 'calc-upstream', version: '1.0.0' }, tools: 3 });
    expect(t.json.message).toMatch(/^OK calc: calc-upstream 1\.0\.0, 3 tool\(s\), \d+ ms$/);
    expect(up.log.authorizations.at(-1)).toBe('Bearer calc-token');

    const edited = await call('PATCH', '/api/v1/mcp/calc', { token: tok.editor, body: { headers: { 'x-team': null, 'X-Other': 'env:OTHER' }, timeout_ms: 5000, description: null, status: 'disabled' } });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ headers: { Authorization: 'env:CONSOLE_TEST_CALC_TOKEN', 'X-Other': 'env:OTHER' }, timeout_ms: 5000, status: 'disabled' });
    expect(edited.json).not.toHaveProperty('description');
    expect(Object.keys(edited.json.headers)).toEqual(['Authorization', 'X-Other']);

    // A dead server: a verdict, not an error.
    expect((await call('POST', '/api/v1/mcp', { token: tok.editor, body: { name: 'dead', url: 'http://127.0.0.1:9/mcp' } })).status).toBe(201);
    t = await call('POST', '/api/v1/mcp/dead/test?timeout_ms=2000', { token: tok.editor });
    expect(t.status).toBe(200);
    expect(t.json).toMatchObject({ ok: false, tools: null, message: expect.stringMatching(/^FAIL dead: fetch failed \(.+\)$/) });

    expect((await call('DELETE', '/api/v1/mcp/calc', { token: tok.editor })).json).toEqual({ deleted: 'calc' });
    expect((await call('DELETE', '/api/v1/mcp/calc', { token: tok.editor })).status).toBe(404);
    const audit = await readAudit(redis, { actor: 'token:editor' });
    expect(audit.filter((e) => e.target === 'calc').map((e) => e.action)).toEqual(['mcp.delete', 'mcp.update', 'mcp.create']);
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(JSON.stringify(list.json) + JSON.stringify(made.json)).not.toContain(secret);
  });
});

describe('bad input: a 400 naming the field, nothing written', () => {
  const cases: Array<[string, string, unknown, string | undefined]> = [
    ['POST', '/api/v1/keys', { name: 'bad name!' }, 'name'],
    ['POST', '/api/v1/keys', { name: 'ok', rpm: 0 }, 'rpm'],
    ['POST', '/api/v1/keys', { name: 'ok', surprise: 1 }, undefined],
    ['POST', '/api/v1/keys', { name: 'ok', providers: ['nope'] }, 'providers'],
    ['POST', '/api/v1/keys', { name: 'k1' }, undefined],
    ['PATCH', '/api/v1/keys/k1', { tpm: 'many' }, 'tpm'],
    ['PATCH', '/api/v1/keys/k1', {}, undefined],
    ['POST', '/api/v1/providers', { name: 'p2', base_url: 'not a url' }, 'base_url'],
    ['POST', '/api/v1/providers', { name: 'p2', base_url: 'http://x/v1', auth_type: 'header' }, 'auth_header'],
    ['PATCH', '/api/v1/providers/up', { weight: -1 }, 'weight'],
    ['PATCH', '/api/v1/models/m1', { price_input: -1 }, 'price_input'],
    ['POST', '/api/v1/models/m2/targets', { provider: 'nope' }, 'provider'],
    ['POST', '/api/v1/aliases', { name: 'a1', alias_of: 'missing' }, 'alias_of'],
    ['POST', '/api/v1/tokens', { name: 'x', role: 'root' }, 'role'],
    ['POST', '/api/v1/mcp', { name: 'bad__name', url: 'http://x/mcp' }, 'name'],
    ['POST', '/api/v1/mcp', { name: 'ok', url: 'ftp://x/mcp' }, 'url'],
    ['POST', '/api/v1/mcp', { name: 'ok', url: 'http://x/mcp', transport: 'websocket' }, 'transport'],
    ['POST', '/api/v1/mcp', { name: 'm1', url: 'http://x/mcp' }, undefined],
    ['PATCH', '/api/v1/mcp/m1', { timeout_ms: 0 }, 'timeout_ms'],
    ['PATCH', '/api/v1/mcp/m1', { headers: { 'X-None': null } }, 'headers.X-None'],
    ['PATCH', '/api/v1/mcp/m1', {}, undefined],
  ];
  it.each(cases)('%s %s %j', async (method, path, body, field) => {
    await seed();
    const before = await snapshot();
    const res = await call(method, path, { token: tok.admin, body });
    expect([400, 409]).toContain(res.status);
    expect(res.json.error.message).toBeTruthy();
    if (field) {
      expect(res.status).toBe(400);
      expect(res.json.error.field).toBe(field);
      expect(res.json.error.message).toContain(field);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('a body that is not JSON, or not sent as JSON, and a bad query', async () => {
    await seed();
    const before = await snapshot();
    expect((await call('POST', '/api/v1/keys', { token: tok.editor, raw: '{"name":' })).json.error.message).toMatch(/not valid JSON/);
    const res = await fetch(`${c.url}/api/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${tok.editor}`, 'content-type': 'text/plain' }, body: '{"name":"x"}' });
    expect(res.status).toBe(415);
    const q = await call('GET', '/api/v1/usage?by=colour', { token: tok.viewer });
    expect(q.status).toBe(400);
    expect(q.json.error.field).toBe('by');
    expect((await call('GET', '/api/v1/usage?from=yesterday', { token: tok.viewer })).json.error.field).toBe('from');
    expect(await snapshot()).toEqual(before);
  });
});

function event(over: Partial<UsageEvent>): UsageEvent {
  return {
    id: `req_${Math.random()}`, key_id: 'key_a', key_name: 'k1', model: 'm1', provider: 'up', upstream_model: 'm1', endpoint: 'chat', prompt_tokens: 10,
    completion_tokens: 5, cached_tokens: 0, estimated: false, cost_usd: 0.001, latency_ms: 100, ttfb_ms: 50, status: 200, attempts: 1, stream: false, aborted: false, error: '', ts: Date.now(), cache_write_tokens: 0, cache_write_1h_tokens: 0,
    ...over,
  };
}

describe('usage, requests, audit, tokens', () => {
  it('usage by group, as CSV, as a series and an overview; recent requests without bodies', async () => {
    const now = Date.now();
    // Oldest first, as the gateway appends them, through its usage script (stream and rollups): two writes, two entries.
    await recordUsage(redis, [event({ ts: now - 3000, key_name: '=cmd', key_id: 'key_b' }), event({ ts: now - 2000, model: 'm2', status: 500, error: 'upstream_error', cost_usd: 0 })]);
    await recordUsage(redis, [event({ ts: now - 1000 })]);
    const byModel = await call('GET', `/api/v1/usage?by=model&from=${now - 3_600_000}&to=${now}`, { token: tok.viewer });
    expect(byModel.json.rows.map((r: any) => [r.group, r.requests, r.errors])).toEqual([['m1', 2, 0], ['m2', 1, 1]]);
    expect(byModel.json.total.prompt_tokens).toBe(30);
    const csv = await fetch(`${c.url}/api/v1/usage?by=key&format=csv&from=${now - 3_600_000}&to=${now}`, { headers: { authorization: `Bearer ${tok.viewer}` } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('group,requests,errors,prompt_tokens,completion_tokens,cached_tokens,cache_write_tokens,cost_usd,estimated,avg_latency_ms');
    expect(lines.some((l) => l.startsWith("'=cmd (key_b),1,"))).toBe(true);
    expect(lines.at(-1)).toMatch(/^total,3,1,30,15,0,0,/);
    const series = await call('GET', `/api/v1/usage/series?bucket=hour&from=${now - 2 * 3_600_000}&to=${now + 1}`, { token: tok.viewer });
    expect(series.json.points.reduce((a: number, p: any) => a + p.requests, 0)).toBe(3);
    const overview = await call('GET', '/api/v1/overview', { token: tok.viewer });
    expect(overview.json).toMatchObject({ bucket: 'hour', total: { requests: 3, errors: 1 } });
    expect(overview.json.top_models[0].group).toBe('m1');
    const recent = await call('GET', '/api/v1/requests?limit=2', { token: tok.viewer });
    expect(recent.json.items.map((e: any) => e.model)).toEqual(['m1', 'm2']);
    expect(recent.json.next).toBeTruthy();
    const older = await call('GET', `/api/v1/requests?limit=2&before=${recent.json.next}`, { token: tok.viewer });
    expect(older.json).toMatchObject({ items: [{ key_name: '=cmd' }], next: null });
    // One at a time, through the middle of an entry: each request once, newest first.
    const seen: string[] = [];
    for (let before: string | null = '', pages = 0; before !== null && pages < 5; pages++) {
      const page = await call('GET', `/api/v1/requests?limit=1${before ? `&before=${before}` : ''}`, { token: tok.viewer });
      seen.push(...page.json.items.map((e: any) => `${e.key_name}/${e.model}`));
      before = page.json.next;
    }
    expect(seen).toEqual(['k1/m1', 'k1/m2', '=cmd/m1']);
    expect((await call('GET', '/api/v1/requests?before=1-2.x', { token: tok.viewer })).status).toBe(400);
    expect(Object.keys(recent.json.items[0])).not.toContain('messages');
  });

  it('usage of whole hours comes from the rollups, the edges of a range from the stream; MCP tool calls are left out', async () => {
    await seed();
    const H = 3_600_000;
    // The stream is read by write time, so an edge's events are written when they happen, as a pod
    // writes them: here, now. Range A: two whole hours, then the current hour so far (an edge).
    // Range B: the last 10 minutes (an edge), then the whole next hour.
    const now = Date.now();
    const h0 = Math.floor(now / H) * H;
    const base = h0 - 2 * H;
    const keyId = (await call('GET', '/api/v1/keys/k1', { token: tok.viewer })).json.id as string;
    const mine = { key_id: keyId, key_name: 'old-name' };
    await recordUsage(redis, [
      event({ ...mine, ts: base - 10 * 60_000, model: 'before' }),
      event({ ...mine, ts: base + 30 * 60_000, prompt_tokens: 100, cache_write_tokens: 40, cache_write_1h_tokens: 10, latency_ms: 31 }),
      event({ ts: base + 40 * 60_000, kind: 'mcp', bytes: 10, model: 'files__read', provider: 'files', cost_usd: 0 }),
      event({ ts: base + 90 * 60_000, key_id: 'key_b', key_name: 'kb', model: 'm2', status: 500, cost_usd: 0.25, aborted: true, latency_ms: 50 }),
      event({ ...mine, ts: Math.max(h0, now - 1), model: 'edge', provider: '', cost_usd: 0, latency_ms: 9 }),
      event({ ...mine, ts: h0 + H + 30 * 60_000, model: 'later', cost_usd: 0.002 }),
    ]);
    const a = `from=${base}&to=${now + 1}`;
    const byModel = (await call('GET', `/api/v1/usage?by=model&${a}`, { token: tok.viewer })).json;
    expect(byModel.rows.map((r: any) => [r.group, r.requests, r.errors, r.cost_usd])).toEqual([['m2', 1, 1, 0.25], ['m1', 1, 0, 0.001], ['edge', 1, 0, 0]]);
    expect(byModel.total).toMatchObject({ requests: 3, errors: 1, prompt_tokens: 120, cache_write_tokens: 40, avg_latency_ms: 30 });
    // Key rows named as `gwctl usage --rollups` names them, from the registry (the stream's name is an
    // older one); a key the registry no longer has (key_b) by its id.
    const byKey = (await call('GET', `/api/v1/usage?by=key&${a}`, { token: tok.viewer })).json;
    expect(byKey.rows.map((r: any) => [r.group, r.requests])).toEqual([['key_b', 1], [`k1 (${keyId})`, 2]]);
    const byProvider = (await call('GET', `/api/v1/usage?by=provider&${a}`, { token: tok.viewer })).json;
    expect(byProvider.rows.map((r: any) => [r.group, r.requests])).toEqual([['up', 2], ['(none)', 1]]);
    const series = (await call('GET', `/api/v1/usage/series?bucket=hour&${a}`, { token: tok.viewer })).json;
    expect(series.points.map((p: any) => [p.t - base, p.requests])).toEqual([[0, 1], [H, 1], [2 * H, 1]]);
    const overview = (await call('GET', `/api/v1/overview?${a}`, { token: tok.viewer })).json;
    expect(overview.total).toMatchObject({ requests: 3, errors: 1 });
    expect(overview.top_models.map((r: any) => r.group)).toEqual(['m2', 'm1', 'edge']);
    const b = `from=${now - 10 * 60_000}&to=${h0 + 2 * H}`;
    const rangeB = (await call('GET', `/api/v1/usage?by=model&${b}`, { token: tok.viewer })).json;
    expect(rangeB.rows.map((r: any) => [r.group, r.requests])).toEqual([['later', 1], ['edge', 1]]);

    // With the stream gone, the whole hours still answer (the rollups hold them); the edges do not.
    await redis.del(RT_KEYS.usageStream);
    const after = (await call('GET', `/api/v1/usage?by=model&${a}`, { token: tok.viewer })).json;
    expect(after.rows.map((r: any) => [r.group, r.requests])).toEqual([['m2', 1], ['m1', 1]]);
    const days = (await call('GET', `/api/v1/usage?by=day&from=${base}&to=${base + 2 * H}`, { token: tok.viewer })).json;
    expect(days.total).toMatchObject({ requests: 2, cost_usd: 0.251 });
  });

  it('admin tokens: created (shown once), listed without hashes, deleted; a deleted token is refused at once', async () => {
    const made = await call('POST', '/api/v1/tokens', { token: tok.admin, body: { name: 'ops', role: 'viewer' } });
    expect(made.status).toBe(201);
    expect(made.json.token).toMatch(/^gwadm-/);
    expect((await call('GET', '/api/v1/session', { token: made.json.token })).json).toMatchObject({ name: 'ops', role: 'viewer' });
    const list = await call('GET', '/api/v1/tokens', { token: tok.admin });
    expect(list.json.items.map((t: any) => t.name)).toEqual(['admin', 'editor', 'ops', 'viewer']);
    expect(JSON.stringify(list.json)).not.toMatch(/"hash"|gwadm-[A-Za-z0-9_-]{20}/);
    expect((await call('POST', '/api/v1/tokens', { token: tok.admin, body: { name: 'ops', role: 'admin' } })).status).toBe(409);
    expect((await call('DELETE', '/api/v1/tokens/ops', { token: tok.admin })).status).toBe(200);
    expect((await call('GET', '/api/v1/session', { token: made.json.token })).status).toBe(401);
    const audit = await call('GET', '/api/v1/audit?action=token.', { token: tok.viewer });
    expect(audit.json.items.slice(0, 2).map((e: any) => [e.action, e.actor, e.target])).toEqual([['token.delete', 'token:admin', 'ops'], ['token.create', 'token:admin', 'ops']]);
  });
});

describe('browser sessions', () => {
  it('sign-in sets an HttpOnly SameSite=Strict cookie; writes need the CSRF token; sign-out ends the session', async () => {
    await seed();
    expect((await call('POST', '/api/v1/session', { body: { token: 'gwadm-wrong' } })).status).toBe(401);
    const signIn = await call('POST', '/api/v1/session', { body: { token: tok.editor } });
    const setCookie = signIn.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^gwc_session=[A-Za-z0-9_-]{20,};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const cookie = setCookie.split(';')[0]!;
    const csrf: string = signIn.json.csrf;
    expect((await call('GET', '/api/v1/keys', { cookie })).status).toBe(200);
    const before = await snapshot();
    expect((await call('POST', '/api/v1/keys/k1/disable', { cookie })).status).toBe(403);
    expect((await call('POST', '/api/v1/keys/k1/disable', { cookie, csrf: 'wrong' })).status).toBe(403);
    expect(await snapshot()).toEqual(before);
    expect((await call('POST', '/api/v1/keys/k1/disable', { cookie, csrf })).json.status).toBe('disabled');
    const out = await call('DELETE', '/api/v1/session', { cookie, csrf });
    expect(out.headers.get('set-cookie')).toMatch(/^gwc_session=; .*Max-Age=0/);
    expect((await call('GET', '/api/v1/keys', { cookie })).status).toBe(401);
  });

  it('serves the web UI and the OpenAPI document, which lists every route', async () => {
    const page = await fetch(`${c.url}/keys`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('/assets/app.js');
    expect((await fetch(`${c.url}/assets/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${c.url}/assets/../../../package.json`)).status).toBe(404);
    const doc = (await call('GET', '/api/v1/openapi.json')).json;
    for (const r of ROUTES) expect(doc.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    expect(doc.paths['/api/v1/keys'].post.requestBody.content['application/json'].schema.properties.rpm).toBeDefined();
  });

  it('docs/console-api.md and docs/console-openapi.json match the routes (npm run docs:console regenerates them)', async () => {
    const { consoleApiMarkdown, consoleOpenApiJson } = await import('../scripts/console-openapi.mjs');
    expect(readFileSync(new URL('../docs/console-api.md', import.meta.url), 'utf8')).toBe(consoleApiMarkdown());
    expect(readFileSync(new URL('../docs/console-openapi.json', import.meta.url), 'utf8')).toBe(consoleOpenApiJson());
  });
});
