import { RT_KEYS } from '@llmgw/core';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, testRegistry, type TestGateway } from './support/gateway.js';
import { connectGateway, seedMcpKey, seedMcpServers } from './support/mcp-client.js';
import { startMcpUpstream, type McpUpstream } from './support/mcp-upstream.js';
import { useTestRedis } from './support/redis.js';

// An upstream MCP server one pod found dead is skipped by every pod: the cooldown is shared
// through Redis, like the LLM providers' (upstream/mcp-cooldowns.ts).

const { redis } = useTestRedis();
const registry = testRegistry();
let calc: McpUpstream;
let legacy: McpUpstream;
let a: TestGateway;
let b: TestGateway;
const env = { GW_MCP_COOLDOWN_MS: '60000', GW_MCP_TIMEOUT_MS: '5000', GW_HEALTH_REFRESH_MS: '100' };
const text = (r: unknown) => (r as { content: Array<{ text: string }> }).content[0]!.text;

beforeAll(async () => {
  [calc, legacy] = await Promise.all([startMcpUpstream('http', 'calc'), startMcpUpstream('sse', 'legacy')]);
  [a, b] = await Promise.all([startTestGateway(env, { secretEnv: { CALC_TOKEN: 't' } }), startTestGateway(env, { secretEnv: { CALC_TOKEN: 't' } })]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  await Promise.all([calc.close(), legacy.close()]);
  await registry.redis.quit();
});

describe('MCP cooldown across pods', () => {
  it('skips on pod B a server pod A found unreachable, without calling it, until the cooldown ends', async () => {
    await seedMcpServers(registry, calc.url, legacy.url); // Redis is flushed before each test
    const { raw } = await seedMcpKey(registry, { mcp_tools: ['*'] });
    const onA = await connectGateway([a.url], raw);
    await calc.kill();
    const down = await onA.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 2 } }).catch((e: unknown) => e);
    expect((down as McpError).code).toBe(-32010);
    // The server is back, but pod B has only Redis to go by: it must not call it.
    await calc.restart();
    const before = calc.log.calls.length;
    const onB = await connectGateway([b.url], raw);
    const skipped = await onB.client.callTool({ name: 'calc__add', arguments: { a: 1, b: 2 } }).catch((e: unknown) => e);
    expect(skipped).toBeInstanceOf(McpError);
    expect((skipped as McpError).code).toBe(-32012);
    expect((skipped as McpError).message).toMatch(/MCP server "calc" failed recently/);
    expect(calc.log.calls.length).toBe(before);
    // Another server is not affected on either pod.
    expect(text(await onB.client.callTool({ name: 'legacy__add', arguments: { a: 2, b: 2 } }))).toBe('4');
    // The cooldown ends (expired here by hand, as its PX would): every pod calls the server again.
    expect(Number(await redis.get(RT_KEYS.mcpCooldown('calc')))).toBeGreaterThan(Date.now());
    await redis.del(RT_KEYS.mcpCooldown('calc'));
    await new Promise((r) => setTimeout(r, 150)); // > GW_HEALTH_REFRESH_MS: pod B asks Redis again
    expect(text(await onB.client.callTool({ name: 'calc__add', arguments: { a: 5, b: 5 } }))).toBe('10');
    expect(calc.log.calls.length).toBe(before + 1);
    await Promise.all([onA.close(), onB.close()]);
  });
});
