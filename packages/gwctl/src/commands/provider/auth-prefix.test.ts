// Provider auth as llm-gateway-lite writes it, `auth: {mode, header, prefix}`: --auth-header
// and --auth-prefix on add and edit, shown by `provider show`, and sent by gwctl's own upstream
// calls exactly as the gateway sends it (core providerAuthHeader).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useGwctl } from '../../../test/harness.js';

const SECRET = 'sk-upstream-secret-0123456789abcdef';

describe('--auth-header and --auth-prefix', () => {
  const t = useGwctl();
  let server: Server;
  let base: string;
  let seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'm1' }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    seen = [];
  });

  it('add stores the prefix verbatim (implying --auth-type header); show prints it quoted', async () => {
    const add = await t.cli(['provider', 'add', 'tok', '--base-url', base, '--auth-header', 'Authorization', '--auth-prefix', 'Token ', '--api-key', SECRET]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).toBe('');
    const p = (await t.context().registry.getProvider('tok'))!;
    expect(p).toMatchObject({ auth_type: 'header', auth_header: 'Authorization', auth_prefix: 'Token ' });
    const show = await t.cli(['provider', 'show', 'tok']);
    expect(show.stdout).toContain('header Authorization "Token "');
    expect(show.stdout).not.toContain(SECRET);
  });

  it("gwctl's own upstream calls send the provider's auth form: prefixed, bare header, bearer, and each type's default", async () => {
    const cases: Array<[string[], string, string]> = [
      [['--auth-header', 'Authorization', '--auth-prefix', 'Token '], 'authorization', `Token ${SECRET}`],
      [['--auth-header', 'x-goog-api-key'], 'x-goog-api-key', SECRET],
      [['--auth-header', 'api-key'], 'api-key', SECRET],
      [[], 'authorization', `Bearer ${SECRET}`],
      [['--type', 'anthropic'], 'x-api-key', SECRET],
      // Azure's own header, as the gateway sends it (gwctl used to send Bearer here).
      [['--type', 'azure'], 'api-key', SECRET],
    ];
    for (const [i, [flags, header, value]] of cases.entries()) {
      const name = `p${i}`;
      expect((await t.cli(['provider', 'add', name, '--base-url', base, '--api-key', SECRET, ...flags])).code).toBe(0);
      seen = [];
      const r = await t.cli(['provider', 'models', name, '--remote']);
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(0);
      expect(seen[0]![header], flags.join(' ')).toBe(value);
      const others = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key'].filter((h) => h !== header);
      for (const h of others) expect(seen[0]![h], `${flags.join(' ')} ${h}`).toBeUndefined();
    }
  });

  it('edit sets, replaces and clears the prefix; leaving the header form drops it', async () => {
    expect((await t.cli(['provider', 'add', 'e', '--base-url', base, '--auth-header', 'Authorization', '--api-key', SECRET])).code).toBe(0);
    const get = async () => (await t.context().registry.getProvider('e'))!;
    expect((await t.cli(['provider', 'edit', 'e', '--auth-prefix', 'Key '])).code).toBe(0);
    expect(await get()).toMatchObject({ auth_type: 'header', auth_header: 'Authorization', auth_prefix: 'Key ' });
    expect((await t.cli(['provider', 'edit', 'e', '--no-auth-prefix'])).code).toBe(0);
    expect((await get()).auth_prefix).toBeUndefined();
    expect((await t.cli(['provider', 'edit', 'e', '--auth-prefix', 'Token '])).code).toBe(0);
    expect((await t.cli(['provider', 'edit', 'e', '--auth-type', 'bearer'])).code).toBe(0);
    const p = await get();
    expect(p.auth_type).toBe('bearer');
    expect(p.auth_prefix).toBeUndefined();
  });

  it('warns when the prefix runs into the secret; refuses a prefix without a header or with a line break, writing nothing', async () => {
    const warned = await t.cli(['provider', 'add', 'w', '--base-url', base, '--auth-header', 'Authorization', '--auth-prefix', 'Bearer', '--api-key', SECRET]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/no trailing space.*Authorization will read "Bearer<secret>"/);
    expect(warned.stderr).not.toContain(SECRET);
    const before = await t.revision();
    const noHeader = await t.cli(['provider', 'add', 'x', '--base-url', base, '--auth-prefix', 'Token ']);
    expect(noHeader.code).toBe(1);
    expect(noHeader.stderr).toMatch(/auth_header/);
    const crlf = await t.cli(['provider', 'add', 'y', '--base-url', base, '--auth-header', 'Authorization', '--auth-prefix', 'Token\r\nX-Evil: 1 ']);
    expect(crlf.code).toBe(1);
    expect(crlf.stderr).toMatch(/auth_prefix/);
    expect(await t.revision()).toBe(before);
  });
});
