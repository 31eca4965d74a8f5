import { readUsageSeries } from '@llmgw/core';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, testRegistry, type TestGateway } from './support/gateway.js';
import { connectGateway, mcpUsage, rpc, seedMcpKey, seedMcpServers } from './support/mcp-client.js';
import { startMcpUpstream, type McpUpstream } from './support/mcp-upstream.js';
import { useTestRedis } from './support/redis.js';

// The MCP gateway end to end: the official SDK's Client against two gateway pods, upstream
// McpServers over Streamable HTTP and HTTP+SSE. Initialize, lists, calls, resources, prompts,
// grants (default deny), sessions moving between pods, keys refused.

const CALC_TOKEN = 'calc-upstream-token-5f2a9c';
const { redis } = useTestRedis();
const registry = testRegistry();
let calc: McpUpstream;
let legacy: McpUpstream;
let pods: TestGateway[];
const urls = () => pods.map((p) => p.url);

beforeAll(async () => {
  [calc, legacy] = await Promise.all([startMcpUpstream('http', 'calc'), startMcpUpstream('sse', 'legacy')]);
  const env = { GW_MCP_LIST_TTL_MS: '100', GW_USAGE_FLUSH_MS: '0' };
  pods = await Promise.all([startTestGateway(env, { secretEnv: { CALC_TOKEN } }), startTestGateway(env, { secretEnv: { CALC_TOKEN } })]);
});
afterAll(async () => {
  await Promise.all(pods.map((p) => p.close()));
  await Promise.all([calc.close(), legacy.close()]);
  await registry.redis.quit();
});
beforeEach(async () => {
  await seedMcpServers(registry, calc.url, legacy.url);
});

const text = (r: unknown) => ((r as { content: Array<{ text: string }> }).content[0]!.text);

describe('MCP gateway', () => {
  it('aggregates tools, resources, templates and prompts of HTTP and SSE upstreams as {server}__{name}, and calls them', async () => {
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['*'], mcp_resources: ['*'], mcp_prompts: ['*'] });
    const c = await connectGateway([pods[0]!.url], raw);
    expect(c.client.getServerVersion()?.name).toBe('llmgw');
    const tools = (await c.client.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toContain('calc__add');
    expect(tools).toContain('legacy__add');
    for (const t of tools) expect(t).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    // `echo.upper` is no function name: made one, with a hash of the upstream name.
    const upper = tools.find((t) => t.startsWith('calc__echo_upper_'))!;
    expect(upper).toMatch(/^calc__echo_upper_[0-9a-f]{8}$/);

    expect(text(await c.client.callTool({ name: 'calc__add', arguments: { a: 2, b: 3 } }))).toBe('5');
    expect(text(await c.client.callTool({ name: 'legacy__add', arguments: { a: 40, b: 2 } }))).toBe('42');
    expect(text(await c.client.callTool({ name: upper, arguments: { text: 'hi' } }))).toBe('HI');
    // The `env:` header was read on the pod and sent upstream.
    expect(calc.log.authorizations).toContain(CALC_TOKEN);

    const resources = (await c.client.listResources()).resources;
    expect(resources.map((r) => r.uri).sort()).toEqual(['mcp://calc/file:///readme.txt', 'mcp://legacy/file:///readme.txt']);
    const read = await c.client.readResource({ uri: 'mcp://legacy/file:///readme.txt' });
    expect(read.contents[0]).toMatchObject({ uri: 'mcp://legacy/file:///readme.txt', text: 'readme of legacy' });
    const templates = (await c.client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate).sort();
    expect(templates).toEqual(['mcp://calc/note://{id}', 'mcp://legacy/note://{id}']);
    expect((await c.client.readResource({ uri: 'mcp://calc/note://7' })).contents[0]).toMatchObject({ text: 'note 7 of calc' });

    const prompts = (await c.client.listPrompts()).prompts.map((p) => p.name).sort();
    expect(prompts).toEqual(['calc__greet', 'legacy__greet']);
    const got = await c.client.getPrompt({ name: 'legacy__greet', arguments: { who: 'Ada' } });
    expect(got.messages[0]!.content).toMatchObject({ type: 'text', text: 'Hello Ada from legacy' });
    await c.close();
  });

  it('lists only what the key is granted, refuses the rest with a JSON-RPC error, and never sends it upstream', async () => {
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['calc__add'], mcp_resources: ['calc__file:*'], mcp_prompts: [] });
    const c = await connectGateway([pods[0]!.url], raw);
    expect((await c.client.listTools()).tools.map((t) => t.name)).toEqual(['calc__add']);
    expect((await c.client.listPrompts()).prompts).toEqual([]);
    expect((await c.client.listResources()).resources.map((r) => r.uri)).toEqual(['mcp://calc/file:///readme.txt']);
    const before = [...legacy.log.calls];
    const denied = await c.client.callTool({ name: 'legacy__add', arguments: { a: 1, b: 1 } }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(McpError);
    expect((denied as McpError).code).toBe(-32003);
    expect((denied as McpError).message).toMatch(/may not use the tool "legacy__add".*--mcp-tools/);
    expect(legacy.log.calls).toEqual(before);
    await expect(c.client.readResource({ uri: 'mcp://calc/note://1' })).rejects.toMatchObject({ code: -32003 });
    await expect(c.client.getPrompt({ name: 'calc__greet', arguments: { who: 'x' } })).rejects.toMatchObject({ code: -32003 });
    await expect(c.client.callTool({ name: 'calc__nope', arguments: {} })).rejects.toMatchObject({ code: -32003 });
    await c.close();

    // A key with no grant at all (the default) sees nothing.
    const none = await seedMcpKey(registry, {});
    const c2 = await connectGateway([pods[0]!.url], none.raw);
    expect((await c2.client.listTools()).tools).toEqual([]);
    await expect(c2.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 2 } })).rejects.toMatchObject({ code: -32003 });
    await c2.close();

    // Every call is a usage event, the refused ones too (status 403, nothing sent upstream).
    const events = await mcpUsage(redis, 2);
    expect(events.map((e) => [e.model, e.status, e.error])).toEqual(
      expect.arrayContaining([
        ['legacy__add', 403, 'mcp_tool_denied'],
        ['calc__add', 403, 'mcp_tool_denied'],
      ]),
    );
  });

  it('continues a session on another pod: the session id is sealed, no pod holds it', async () => {
    const { raw, id } = await seedMcpKey(registry, { mcp_tools: ['calc__*'] });
    const c = await connectGateway(urls(), raw);
    for (let i = 0; i < 4; i++) expect(text(await c.client.callTool({ name: 'calc__add', arguments: { a: i, b: 1 } }))).toBe(String(i + 1));
    expect(new Set(c.hits)).toEqual(new Set(urls()));
    const events = await mcpUsage(redis, 4);
    expect(events.filter((e) => e.status === 200)).toHaveLength(4);
    expect(events[0]).toMatchObject({ kind: 'mcp', key_id: id, provider: 'calc', model: 'calc__add', upstream_model: 'add', endpoint: '/mcp', error: '' });
    expect(events[0]!.bytes).toBeGreaterThan(20);
    // Tool calls are not model requests: the script that streamed them added none to the usage rollups.
    expect(await redis.keys('gw:rt:{usage}:roll:*')).toEqual([]);
    expect((await readUsageSeries(redis, { from: events[0]!.ts, to: events[0]!.ts + 1, granularity: 'day', by: 'model' })).total.requests).toBe(0);

    // The id works on either pod; forged or altered, it is refused (404: initialize again).
    const sid = c.transport.sessionId!;
    const call = { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'calc__add', arguments: { a: 1, b: 1 } } };
    for (const p of pods) {
      const r = await rpc(p.url, call, { authorization: `Bearer ${raw}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
      expect(r.status).toBe(200);
      expect(((await r.json()) as { result: unknown }).result).toMatchObject({ content: [{ text: '2' }] });
    }
    const forged = `${sid.slice(0, -2)}xx`;
    expect((await rpc(pods[1]!.url, call, { authorization: `Bearer ${raw}`, 'mcp-session-id': forged })).status).toBe(404);
    // Another key cannot use this session.
    const other = await seedMcpKey(registry, { mcp_tools: ['*'] });
    expect((await rpc(pods[1]!.url, call, { authorization: `Bearer ${other.raw}`, 'mcp-session-id': sid })).status).toBe(404);
    await c.close();
  });

  it('negotiates the protocol version per client and answers the SDK versions 2024-11-05 through 2025-11-25', async () => {
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['*'] });
    const auth = { authorization: `Bearer ${raw}` };
    for (const v of ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25']) {
      const r = await rpc(pods[0]!.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: v, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }, auth);
      expect(((await r.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe(v);
      expect(r.headers.get('mcp-session-id')).toBeTruthy();
    }
    const r = await rpc(pods[0]!.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }, auth);
    expect(((await r.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe('2025-11-25');
    // Bad input gets a clear answer: not JSON, a batch, no session, an unknown version header.
    expect((await rpc(pods[0]!.url, '{nope', auth)).status).toBe(400);
    const batch = await rpc(pods[0]!.url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }], auth);
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as { error: { message: string } }).error.message).toMatch(/batches are not supported/);
    expect((await rpc(pods[0]!.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, auth)).status).toBe(400);
    expect((await rpc(pods[0]!.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { ...auth, 'mcp-protocol-version': '2030-01-01' })).status).toBe(400);
    // Stateless form (no session, a known version header), as the next protocol revision sends.
    const stateless = await rpc(pods[1]!.url, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { ...auth, 'mcp-protocol-version': '2025-11-25' });
    expect(((await stateless.json()) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(0);
    // GET (server stream) and DELETE are not offered.
    expect((await fetch(`${pods[0]!.url}/mcp`, { headers: auth })).status).toBe(405);
    expect((await fetch(`${pods[0]!.url}/mcp/v1`, { method: 'DELETE', headers: auth })).status).toBe(405);
  });

  it('refuses requests without a valid key with 401 and a WWW-Authenticate challenge; an expired key cannot connect', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
    const missing = await rpc(pods[0]!.url, init, {});
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="llmgw"');
    expect(((await missing.json()) as { jsonrpc: string; error: { code: number } }).error.code).toBe(-32000);
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['*'], expires_at: new Date(Date.now() - 60_000).toISOString() });
    const expired = await rpc(pods[1]!.url, init, { authorization: `Bearer ${raw}` });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    await expect(connectGateway([pods[0]!.url], raw, '/mcp/v1')).rejects.toThrow();
  });
});
