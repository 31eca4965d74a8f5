import { describe, expect, it } from 'vitest';
import { compileGrant, exposedName, exposedUri, FUNCTION_NAME, grantReaches, parseExposedUri, resolveMcpHeaders, serverOfExposed } from './mcp-names.js';
import { McpServerSchema } from './schemas.js';

describe('MCP names', () => {
  it('exposes {server}__{name} as is when it is a valid function name, and back', () => {
    expect(exposedName('github', 'create_issue')).toBe('github__create_issue');
    expect(serverOfExposed('github__create_issue')).toBe('github');
    expect(serverOfExposed('nope')).toBeNull();
  });

  it('makes every other name a valid function name of at most 64 characters, distinct per upstream name', () => {
    const names = ['a.b', 'a/b', 'a b', 'é', 'x'.repeat(100), 'x'.repeat(101), 'a_b'];
    const exposed = names.map((n) => exposedName('srv', n));
    for (const e of exposed) expect(e).toMatch(FUNCTION_NAME);
    expect(new Set(exposed).size).toBe(names.length);
    expect(exposedName('srv', 'a.b')).toMatch(/^srv__a_b_[0-9a-f]{8}$/);
    expect(exposedName('srv', 'x'.repeat(100))).toHaveLength(64);
    expect(exposedName('srv', 'a.b')).toBe(exposedName('srv', 'a.b'));
  });

  it('puts resources behind mcp://{server}/ and reads them back', () => {
    expect(exposedUri('docs', 'file:///a/b.txt')).toBe('mcp://docs/file:///a/b.txt');
    expect(parseExposedUri('mcp://docs/file:///a/b.txt')).toEqual({ server: 'docs', uri: 'file:///a/b.txt' });
    expect(parseExposedUri('file:///a')).toBeNull();
    expect(parseExposedUri('mcp://docs/')).toBeNull();
  });

  it('grants nothing by default, everything with *, and knows which servers a grant can reach', () => {
    expect(compileGrant([])('calc__add')).toBe(false);
    expect(compileGrant(['*'])('calc__add')).toBe(true);
    const g = compileGrant(['github__*', 'calc__add']);
    expect(g('github__x')).toBe(true);
    expect(g('calc__add')).toBe(true);
    expect(g('calc__sub')).toBe(false);
    expect(grantReaches(['github__*', 'calc__add'], 'calc')).toBe(true);
    expect(grantReaches(['github__*'], 'calc')).toBe(false);
    expect(grantReaches(['*'], 'calc')).toBe(true);
    expect(grantReaches(['c*'], 'calc')).toBe(true);
    expect(grantReaches([], 'calc')).toBe(false);
  });

  it('resolves env: header values and names the unset ones, never echoing literal values', () => {
    expect(resolveMcpHeaders({ Authorization: 'env:TOK', 'X-A': 'lit' }, { TOK: 'secret' })).toEqual({ headers: { Authorization: 'secret', 'X-A': 'lit' }, unset: [] });
    expect(resolveMcpHeaders({ Authorization: 'env:TOK' }, {})).toEqual({ headers: {}, unset: ['TOK'] });
  });

  it('refuses server names that would break {server}__{name}', () => {
    for (const bad of ['a__b', 'a_', '_a', 'a.b', 'x'.repeat(33), '']) expect(McpServerSchema.safeParse({ name: bad, url: 'http://x' }).success).toBe(false);
    for (const good of ['github', 'a_b', 'a-b_c', 'x'.repeat(32)]) expect(McpServerSchema.safeParse({ name: good, url: 'http://x' }).success).toBe(true);
    expect(McpServerSchema.safeParse({ name: 'a', url: 'ftp://x' }).success).toBe(false);
  });
});
