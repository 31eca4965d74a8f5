import { fileURLToPath } from 'node:url';
import { addMcpServer } from '@llmgw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '../packages/mcp-bridge/src/bridge.js';
import { loadBridgeConfig } from '../packages/mcp-bridge/src/config.js';
import { startTestGateway, testRegistry, type TestGateway } from './support/gateway.js';
import { connectGateway, seedMcpKey } from './support/mcp-client.js';
import { useTestRedis } from './support/redis.js';

// A local (stdio) MCP server run by the mcp-bridge, outside the gateway, reached by an SDK
// client through the gateway's /mcp like any remote server.

const FIXTURE = fileURLToPath(new URL('./__fixtures__/mcp-stdio-server.mjs', import.meta.url));
const TOKEN = 'bridge-token-0123456789abcdef';
useTestRedis();
const registry = testRegistry();
let bridge: RunningBridge;
let gw: TestGateway;

beforeAll(async () => {
  const cfg = loadBridgeConfig({
    MCP_BRIDGE_SERVERS: JSON.stringify({ mcpServers: { local: { command: process.execPath, args: [FIXTURE], env: { FIXTURE_TAG: 'from-bridge' } } } }),
    MCP_BRIDGE_PORT: '0',
    MCP_BRIDGE_TOKEN: TOKEN,
  });
  bridge = await startBridge(cfg, () => {});
  gw = await startTestGateway({}, { secretEnv: { BRIDGE_TOKEN: `Bearer ${TOKEN}` } });
});
afterAll(async () => {
  await gw.close();
  await bridge.close();
  await registry.redis.quit();
});

describe('mcp-bridge', () => {
  it('serves a stdio server over Streamable HTTP to the gateway, one child process per upstream session', async () => {
    await addMcpServer(registry, { name: 'local', url: `http://127.0.0.1:${bridge.port}/local/mcp`, headers: { Authorization: 'env:BRIDGE_TOKEN' } });
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['local__*'] });
    const c = await connectGateway([gw.url], raw);
    expect((await c.client.listTools()).tools.map((t) => t.name).sort()).toEqual(['local__add', 'local__whoami']);
    const r = await c.client.callTool({ name: 'local__add', arguments: { a: 20, b: 22 } });
    expect(r.content).toEqual([{ type: 'text', text: '42' }]);
    const who = (await c.client.callTool({ name: 'local__whoami', arguments: {} })).content as Array<{ text: string }>;
    const [pid, tag] = who[0]!.text.split(' ');
    expect(Number(pid)).not.toBe(process.pid); // its own process, not the gateway's
    expect(tag).toBe('from-bridge');
    expect(bridge.sessions()).toEqual({ local: 1 }); // the pod's one upstream session, reused
    await c.close();
  });

  it('tells the client the upstream refused the gateway\'s credentials, without showing them', async () => {
    await addMcpServer(registry, { name: 'wrong', url: `http://127.0.0.1:${bridge.port}/local/mcp`, headers: { Authorization: 'Bearer not-the-bridge-token' } });
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['wrong__*'] });
    const c = await connectGateway([gw.url], raw);
    const r = await c.client.callTool({ name: 'wrong__add', arguments: { a: 1, b: 1 } }).catch((e: unknown) => e as { code: number; message: string });
    expect(r).toMatchObject({ code: -32013 });
    expect((r as unknown as Error).message).toMatch(/MCP server "wrong" refused the gateway's credentials \(HTTP 401\)/);
    expect((r as unknown as Error).message).not.toContain('not-the-bridge-token');
    await c.close();
  });

  it('refuses requests without its token, unknown servers, and a bad configuration', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const post = (path: string, headers: Record<string, string> = {}) =>
      fetch(`http://127.0.0.1:${bridge.port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(init) });
    expect((await post('/local/mcp')).status).toBe(401);
    expect((await post('/nope/mcp', { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect(() => loadBridgeConfig({ MCP_BRIDGE_SERVERS: '{"mcpServers":{"a b":{"command":"x"}}}' })).toThrow(/invalid servers: mcpServers/);
    expect(() => loadBridgeConfig({})).toThrow(/set exactly one of MCP_BRIDGE_CONFIG/);
    expect(() => loadBridgeConfig({ MCP_BRIDGE_SERVERS: '{' })).toThrow(/cannot read the servers/);
  });
});
