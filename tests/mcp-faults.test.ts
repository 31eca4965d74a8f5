import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMcpServer } from '@llmgw/core';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, testRegistry, type TestGateway } from './support/gateway.js';
import { connectGateway, mcpUsage, seedMcpKey, seedMcpServers } from './support/mcp-client.js';
import { startMcpUpstream, type McpUpstream } from './support/mcp-upstream.js';
import { useTestRedis } from './support/redis.js';

// MCP faults and governance end to end: an upstream killed mid-session (clear error, cooldown,
// back after a restart), too slow, answering garbage; the key's tool-call limit; upstream
// secrets kept out of answers, logs and metrics.

const CALC_TOKEN = 'calc-upstream-token-91be0d';
const { redis } = useTestRedis();
const registry = testRegistry();
let calc: McpUpstream;
let legacy: McpUpstream;
let gw: TestGateway;
const garbage = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
let garbageUrl = '';

beforeAll(async () => {
  [calc, legacy] = await Promise.all([startMcpUpstream('http', 'calc'), startMcpUpstream('sse', 'legacy')]);
  await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
  garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}/mcp`;
  gw = await startTestGateway({ GW_MCP_COOLDOWN_MS: '400', GW_MCP_TIMEOUT_MS: '5000', GW_MCP_LIST_TTL_MS: '100', GW_ADMIN_PORT: '0' }, { secretEnv: { CALC_TOKEN } });
});
afterAll(async () => {
  await gw.close();
  await Promise.all([calc.close(), legacy.close(), new Promise((r) => garbage.close(r))]);
  await registry.redis.quit();
});
beforeEach(async () => {
  await seedMcpServers(registry, calc.url, legacy.url, { timeout_ms: 800 });
});

const text = (r: unknown) => (r as { content: Array<{ text: string }> }).content[0]!.text;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const metric = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
/** calc__add calls that failed upstream plus /mcp requests refused because an upstream was unreachable. */
const failuresCounted = (m: string) =>
  metric(m, /llmgw_mcp_tool_calls_total\{server="calc",tool="calc__add",status_class="5xx"\} (\d+)/) +
  metric(m, /llmgw_requests_refused_total\{reason="mcp_upstream_unreachable",endpoint="\/mcp"\} (\d+)/);

describe('MCP faults', () => {
  it('answers a clear JSON-RPC error when the upstream is killed mid-session, cools it down, and serves it again once it is back', async () => {
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['*'] });
    const c = await connectGateway([gw.url], raw);
    expect(text(await c.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 2 } }))).toBe('3');
    await calc.kill();
    const down = await c.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 2 } }).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(McpError);
    expect((down as McpError).code).toBe(-32010);
    expect((down as McpError).message).toMatch(/MCP server "calc" is unreachable/);
    // Cooling down: refused at once, said so.
    await expect(c.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 2 } })).rejects.toMatchObject({ code: -32012 });
    // The other server is not affected.
    expect(text(await c.client.callTool({ name: 'legacy__add', arguments: { a: 2, b: 2 } }))).toBe('4');
    await calc.restart(); // a new process: the gateway's upstream session is gone with the old one
    await sleep(500);
    expect(text(await c.client.callTool({ name: 'calc__add', arguments: { a: 5, b: 5 } }))).toBe('10');
    const events = await mcpUsage(redis, 5);
    expect(events.map((e) => [e.model, e.status, e.error])).toEqual([
      ['calc__add', 200, ''],
      ['calc__add', 502, 'mcp_upstream_unreachable'],
      ['calc__add', 503, 'mcp_upstream_cooling_down'],
      ['legacy__add', 200, ''],
      ['calc__add', 200, ''],
    ]);
    await c.close();
  });

  it('ends a call the upstream is too slow for at the server deadline, with its own error code', async () => {
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['calc__slow'] });
    const c = await connectGateway([gw.url], raw);
    const slow = await c.client.callTool({ name: 'calc__slow', arguments: { ms: 3000 } }).catch((e: unknown) => e);
    expect((slow as McpError).code).toBe(-32011);
    expect((slow as McpError).message).toMatch(/did not answer within 800 ms/);
    await c.close();
    await sleep(450); // its cooldown, before the next test uses calc
  });

  it('says an upstream that answers garbage is not MCP, and lists what the other servers offer meanwhile', async () => {
    await addMcpServer(registry, { name: 'junk', url: garbageUrl });
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['*'] });
    const c = await connectGateway([gw.url], raw);
    const names = (await c.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('calc__add');
    expect(names.some((n) => n.startsWith('junk__'))).toBe(false);
    const r = await c.client.callTool({ name: 'junk__anything', arguments: {} }).catch((e: unknown) => e);
    expect(r).toBeInstanceOf(McpError);
    expect([-32010, -32012]).toContain((r as McpError).code);
    await c.close();
  });

  it('counts tool calls against the key tool-call limit and its rpm, as usage events', async () => {
    const { raw, id } = await seedMcpKey(registry, { mcp_tools: ['*'], mcp_rpm: 2, rpm: 100 });
    const c = await connectGateway([gw.url], raw);
    await c.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 1 } });
    await c.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 1 } });
    const third = await c.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 1 } }).catch((e: unknown) => e);
    expect((third as McpError).code).toBe(-32029);
    expect((third as McpError).message).toMatch(/MCP tool calls per min on this key: Limit 2/);
    // Lists are not tool calls.
    expect((await c.client.listTools()).tools.length).toBeGreaterThan(0);
    await c.close();
    const events = (await mcpUsage(redis, 3)).filter((e) => e.key_id === id);
    expect(events.map((e) => e.status)).toEqual([200, 200, 429]);

    const tight = await seedMcpKey(registry, { mcp_tools: ['*'], rpm: 1 });
    const c2 = await connectGateway([gw.url], tight.raw);
    await c2.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 1 } });
    await expect(c2.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 1 } })).rejects.toMatchObject({ code: -32029 });
    await c2.close();
  });

  it('keeps upstream secrets out of answers, logs and metrics, and counts calls in Prometheus', async () => {
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['*'] });
    const c = await connectGateway([gw.url], raw);
    await c.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 1 } });
    expect(calc.log.authorizations).toContain(CALC_TOKEN);
    const failuresBefore = failuresCounted(await (await fetch(`http://127.0.0.1:${gw.gw.adminPort}/metrics`)).text());
    await calc.kill();
    const err = await c.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 1 } }).catch((e: unknown) => e);
    expect((err as McpError).code).toBe(-32010);
    expect(String((err as Error).message)).not.toContain(CALC_TOKEN);
    await calc.restart();
    await c.close();
    const metrics = await (await fetch(`http://127.0.0.1:${gw.gw.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/llmgw_mcp_tool_calls_total\{server="calc",tool="calc__add",status_class="2xx"\} \d+/);
    // The failed call is counted: as a tool call that failed upstream when the pod still held
    // calc's tool list, or as refused (unreachable) when the list had expired (GW_MCP_LIST_TTL_MS
    // is 100 ms here) and re-reading it met the dead server first.
    expect(failuresCounted(metrics)).toBe(failuresBefore + 1);
    expect(metrics).not.toContain(CALC_TOKEN);
    expect(gw.logs.text).not.toContain(CALC_TOKEN);
    await sleep(450);
  });

  it('says which env: header is unset on the pod instead of calling without it', async () => {
    await addMcpServer(registry, { name: 'needs', url: calc.url, headers: { Authorization: 'env:NOT_SET_ANYWHERE' } });
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['needs__*'] });
    const c = await connectGateway([gw.url], raw);
    expect((await c.client.listTools()).tools).toEqual([]);
    const r = await c.client.callTool({ name: 'needs__add', arguments: { a: 1, b: 1 } }).catch((e: unknown) => e);
    expect((r as McpError).code).toBe(-32013);
    expect((r as McpError).message).toMatch(/needs NOT_SET_ANYWHERE set on the gateway pods/);
    await c.close();
  });
});
