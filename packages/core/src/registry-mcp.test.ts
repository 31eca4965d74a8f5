import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../tests/support/redis.js';
import { applyRegistry } from './registry-apply.js';
import { RegistryDocumentError } from './registry-document.js';
import { exportRegistry } from './registry-export.js';
import { readAudit } from './audit.js';
import { addMcpServer, deleteMcpServer, getMcpServer, listMcpServers, updateMcpServer } from './registry-mcp.js';
import { Registry } from './registry.js';

const { redis } = useTestRedis();
const registry = () => new Registry(redis);

describe('MCP servers in export and apply', () => {
  it('exports servers (literal header values redacted) and key grants; applying the export changes nothing', async () => {
    const reg = registry();
    await addMcpServer(reg, { name: 'github', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'env:GH_MCP', 'X-Tenant': 'literal-tenant-secret' } });
    await reg.createKey({ name: 'agent', mcp_tools: ['github__*'], mcp_rpm: 30 });
    const { document, warnings } = await exportRegistry(reg);
    expect(document.mcp_servers).toEqual({ github: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'env:GH_MCP', 'X-Tenant': expect.stringMatching(/^redacted:sha256:[0-9a-f]{16}$/) } } });
    expect(JSON.stringify(document)).not.toContain('literal-tenant-secret');
    expect(warnings.join('\n')).toMatch(/mcp server github: the value of header X-Tenant is exported redacted/);
    expect(document.keys?.agent).toMatchObject({ mcp_tools: ['github__*'], mcp_rpm: 30 });
    const rev = await reg.revision();
    const again = await applyRegistry(reg, JSON.parse(JSON.stringify(document)));
    expect(again.changes).toEqual([]);
    expect(await reg.revision()).toBe(rev);
    expect((await getMcpServer(reg, 'github'))!.headers['X-Tenant']).toBe('literal-tenant-secret');
  });

  it('creates, updates and prunes servers; refuses bad entries and writes nothing', async () => {
    const reg = registry();
    await addMcpServer(reg, { name: 'old', url: 'http://old/mcp' });
    const r = await applyRegistry(reg, { version: 1, mcp_servers: { calc: { url: 'http://calc/mcp', transport: 'sse', timeout_ms: 500 } } }, { prune: true });
    expect(r.changes.map((c) => [c.kind, c.name, c.op])).toEqual([
      ['mcp', 'calc', 'create'],
      ['mcp', 'old', 'delete'],
    ]);
    expect((await listMcpServers(reg)).map((s) => [s.name, s.transport, s.timeout_ms])).toEqual([['calc', 'sse', 500]]);
    const rev = await reg.revision();
    for (const bad of [
      { version: 1, mcp_servers: { 'a__b': { url: 'http://x' } } },
      { version: 1, mcp_servers: { calc: { url: 'ftp://x' } } },
      { version: 1, mcp_servers: { calc: { url: 'http://x', nope: 1 } } },
      { version: 1, mcp_servers: { calc: { url: 'http://x', headers: { A: 'redacted:sha256:0000000000000000' } } } },
    ]) await expect(applyRegistry(reg, bad)).rejects.toBeInstanceOf(RegistryDocumentError);
    expect(await reg.revision()).toBe(rev);
  });
});

describe('MCP server writes in the audit log', () => {
  it('records create, update and delete with header values masked', async () => {
    const reg = registry().as('token:ops');
    await addMcpServer(reg, { name: 'docs', url: 'http://docs/mcp', headers: { 'X-Token': 'literal-audit-secret' } });
    await updateMcpServer(reg, 'docs', () => ({ timeout_ms: 900 }));
    await deleteMcpServer(reg, 'docs');
    const entries = await readAudit(redis);
    expect(entries.map((e) => [e.action, e.target, e.actor])).toEqual(expect.arrayContaining([
      ['mcp.create', 'docs', 'token:ops'],
      ['mcp.update', 'docs', 'token:ops'],
      ['mcp.delete', 'docs', 'token:ops'],
    ]));
    const text = JSON.stringify(entries);
    expect(text).not.toContain('literal-audit-secret');
    expect(entries.find((e) => e.action === 'mcp.update')).toMatchObject({ before: { headers: { 'X-Token': '****' } }, after: { timeout_ms: 900 } });
  });
});
