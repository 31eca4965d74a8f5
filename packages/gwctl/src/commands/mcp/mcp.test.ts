import { getMcpServer, listMcpServers, RT_KEYS } from '@llmgw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMcpUpstream, type McpUpstream } from '../../../../../tests/support/mcp-upstream.js';
import { useGwctl } from '../../../test/harness.js';

const t = useGwctl();
let up: McpUpstream;
beforeAll(async () => {
  up = await startMcpUpstream('http', 'calc');
});
afterAll(() => up.close());

describe('gwctl mcp', () => {
  it('adds, lists, shows (literal header values masked), edits and deletes a server', async () => {
    let r = await t.cli(['mcp', 'add', 'calc', '--url', up.url, '--header', 'Authorization: env:CALC_TOKEN', '--header', 'X-Team: sk-literal-value-123456', '--timeout-ms', '5000']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('mcp server calc added: streamable-http');
    const rev = await t.revision();
    expect(await getMcpServer(t.context().registry, 'calc')).toMatchObject({ url: up.url, headers: { Authorization: 'env:CALC_TOKEN' }, timeout_ms: 5000 });

    r = await t.cli(['mcp', 'list', '--json']);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ name: 'calc', headers: { Authorization: 'env:CALC_TOKEN', 'X-Team': 'sk-l…3456' } })]);
    r = await t.cli(['mcp', 'show', 'calc']);
    expect(r.stdout).toContain('calc__{tool}');
    expect(r.stdout).not.toContain('sk-literal-value-123456');

    r = await t.cli(['mcp', 'edit', 'calc', '--transport', 'sse', '--remove-header', 'x-team', '--no-timeout-ms', '--disable']);
    expect(r.code).toBe(0);
    const edited = await getMcpServer(t.context().registry, 'calc');
    expect(edited).toMatchObject({ transport: 'sse', headers: { Authorization: 'env:CALC_TOKEN' }, status: 'disabled' });
    expect(edited).not.toHaveProperty('timeout_ms');
    expect(await t.revision()).toBeGreaterThan(rev);

    r = await t.cli(['mcp', 'del', 'calc'], { yes: true });
    expect(r.code).toBe(0);
    expect(await listMcpServers(t.context().registry)).toEqual([]);
  });

  it('refuses bad input with a clear message and writes nothing', async () => {
    const rev = await t.revision();
    for (const argv of [
      ['mcp', 'add', 'bad__name', '--url', 'http://x/mcp'],
      ['mcp', 'add', 'ok', '--url', 'ftp://x'],
      ['mcp', 'add', 'ok'],
      ['mcp', 'add', 'ok', '--url', 'http://x', '--header', 'no-colon'],
      ['mcp', 'add', 'ok', '--url', 'http://x', '--transport', 'websocket'],
    ]) {
      const r = await t.cli(argv);
      expect(r.code, argv.join(' ')).not.toBe(0);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
    expect((await t.cli(['mcp', 'add', 'bad__name', '--url', 'http://x/mcp'])).stderr).toMatch(/no "__"/);
    expect((await t.cli(['mcp', 'edit', 'missing', '--url', 'http://x'])).stderr).toMatch(/does not exist/);
    expect(await t.revision()).toBe(rev);
    expect(await listMcpServers(t.context().registry)).toEqual([]);
  });

  it('tests a server and lists its tools with the names clients see; a dead one fails with exit 1', async () => {
    await t.cli(['mcp', 'add', 'calc', '--url', up.url, '--header', 'Authorization: env:CALC_TOKEN']);
    let r = await t.cli(['mcp', 'test', 'calc']);
    expect(r.stderr).toMatch(/needs CALC_TOKEN/);
    expect(r.code).toBe(1);
    r = await t.cli(['mcp', 'test', 'calc'], { env: { CALC_TOKEN: 'tok' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK calc: calc-upstream 1\.0\.0, 3 tool\(s\), \d+ ms\n$/);
    r = await t.cli(['mcp', 'tools', 'calc', '--json'], { env: { CALC_TOKEN: 'tok' } });
    const tools = JSON.parse(r.stdout) as Array<{ name: string; upstream_name: string }>;
    expect(tools.map((x) => x.upstream_name).sort()).toEqual(['add', 'echo.upper', 'slow']);
    expect(tools.find((x) => x.upstream_name === 'add')!.name).toBe('calc__add');
    await t.cli(['mcp', 'add', 'dead', '--url', 'http://127.0.0.1:9/mcp']);
    r = await t.cli(['mcp', 'test', 'dead', '--timeout-ms', '2000']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL dead: /);
  });

  it('grants MCP tools, resources and prompts to keys (default none)', async () => {
    let r = await t.cli(['key', 'add', 'agent', '--mcp-tools', 'github__*,calc__add', '--mcp-rpm', '30', '--json']);
    expect(r.code).toBe(0);
    const k = (await t.context().registry.findKey('agent'))!;
    expect(k).toMatchObject({ mcp_tools: ['github__*', 'calc__add'], mcp_resources: [], mcp_prompts: [], mcp_rpm: 30 });
    r = await t.cli(['key', 'edit', 'agent', '--mcp-tools', '', '--mcp-prompts', '*', '--no-mcp-rpm']);
    expect(r.code).toBe(0);
    const edited = await t.context().registry.findKey('agent');
    expect(edited).toMatchObject({ mcp_tools: [], mcp_prompts: ['*'] });
    expect(edited).not.toHaveProperty('mcp_rpm');
    r = await t.cli(['key', 'show', 'agent']);
    expect(r.stdout).toMatch(/mcp_tools:\s+\(none\)/);
  });

  it('resets a cooldown the pods share; an unknown server is an error', async () => {
    expect((await t.cli(['mcp', 'add', 'calc', '--url', up.url])).code).toBe(0);
    const redis = t.redis;
    await redis.set(RT_KEYS.mcpCooldown('calc'), String(Date.now() + 30_000), 'PX', 30_000);
    let r = await t.cli(['mcp', 'reset', 'calc']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/mcp server calc: cooldown cleared \(\d+ s were left\)/);
    expect(await redis.exists(RT_KEYS.mcpCooldown('calc'))).toBe(0);
    r = await t.cli(['mcp', 'reset', 'calc']);
    expect(r.stdout).toContain('mcp server calc: was not cooling down');
    r = await t.cli(['mcp', 'reset', 'nope']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/nope/);
  });
});
