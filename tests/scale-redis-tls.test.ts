// Redis over TLS end to end, against TLS-only redis-servers (`--port 0 --tls-port …`) with
// certificates made by openssl for this run: gwctl seeds through TLS, the gateway serves
// through it (standalone with mutual TLS, Sentinel, Cluster), and every misconfiguration ends
// in one line that names the setting to fix, with no key material and no password in it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeProvider, type FakeProvider } from '@llmgw/fake-provider';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedis } from '../scripts/lib/local-redis.mjs';
import { ensureBuilt, gwctl, gwctlOk } from './support/cli.js';
import { postChat, spawnGateway, startTestGateway, type TestGateway } from './support/gateway.js';
import { startRedisCluster, startRedisSentinel, type LocalCluster, type LocalSentinel } from './support/redis-cluster.js';
import { makeTlsMaterial, type TlsMaterial } from './support/tls-material.js';

interface LocalRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

let m: TlsMaterial;
/** Mutual TLS: clients need a certificate signed by the CA. */
let redis: LocalRedis;
let fake: FakeProvider;
/** The ioredis options of a well-configured client, for checking what landed in Redis. */
let clientTls: { ca: Buffer; cert: Buffer; key: Buffer };

beforeAll(async () => {
  ensureBuilt();
  m = makeTlsMaterial();
  clientTls = { ca: readFileSync(m.caFile), cert: readFileSync(m.clientCertFile), key: readFileSync(m.clientKeyFile) };
  [redis, fake] = await Promise.all([
    startRedis({ tls: { certFile: m.serverCertFile, keyFile: m.serverKeyFile, caFile: m.caFile, authClients: 'yes' } }) as Promise<LocalRedis>,
    startFakeProvider(),
  ]);
});
afterAll(async () => {
  await Promise.all([redis?.stop(), fake?.close()]);
  m?.cleanup();
});
beforeEach(async () => {
  const r = new Redis(redis.url, { tls: clientTls });
  await r.flushall();
  r.disconnect();
  fake.reset();
});

/** The environment of a correctly configured client of `redis`. */
function tlsEnv(): Record<string, string> {
  return { REDIS_URL: redis.url, REDIS_TLS_CA_FILE: m.caFile, REDIS_TLS_CERT_FILE: m.clientCertFile, REDIS_TLS_KEY_FILE: m.clientKeyFile };
}

/** Nothing secret in what a process printed: no PEM block, no line of a key, no password. */
function expectNoSecrets(text: string): void {
  expect(text).not.toMatch(/-----BEGIN|PRIVATE KEY/);
  for (const file of [m.clientKeyFile, m.serverKeyFile]) expect(text).not.toContain(readFileSync(file, 'utf8').split('\n')[1]!.slice(0, 24));
  expect(text).not.toContain('hunter2');
}

async function seed(env: Record<string, string>, extraArgs: string[] = []): Promise<string> {
  await gwctlOk([...extraArgs, 'provider', 'add', 'fake', '--base-url', fake.url, '--api-key', 'sk-upstream-tls-0001'], env);
  await gwctlOk([...extraArgs, 'model', 'bind', 'gpt-4o-mini', '--provider', 'fake'], env);
  return (JSON.parse(await gwctlOk([...extraArgs, 'key', 'add', 'team-tls', '--json'], env)) as { key: string }).key;
}

describe('standalone Redis with mutual TLS', () => {
  it('gwctl writes through TLS (variables or flags) and the gateway serves and hears changes through it', async () => {
    const key = await seed(tlsEnv());
    // The same client settings through flags only.
    const flags = ['--redis-url', redis.url, '--redis-tls-ca-file', m.caFile, '--redis-tls-cert-file', m.clientCertFile, '--redis-tls-key-file', m.clientKeyFile];
    const ping = JSON.parse(await gwctlOk([...flags, 'redis', 'ping', '--json'])) as Record<string, unknown>;
    expect(ping).toMatchObject({ reachable: true, tls: true, mode: 'standalone', revision: 3, providers: 1, keys: 1, models: 1 });

    // What gwctl wrote really is in that Redis (read by a client of our own).
    const direct = new Redis(redis.url, { tls: clientTls });
    expect(await direct.get('gw:rev')).toBe('3');
    expect(await direct.hget('gw:provider:fake', 'base_url')).toBe(fake.url);
    direct.disconnect();

    const t = await startTestGateway({ ...tlsEnv(), GW_ADMIN_PORT: '0' });
    try {
      const r = await postChat(t, key);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { object: string }).object).toBe('chat.completion');
      expect(fake.received.at(-1)!.headers.authorization).toBe('Bearer sk-upstream-tls-0001');
      const status = (await (await fetch(`http://127.0.0.1:${t.gw.adminPort}/status`)).json()) as { redis: Record<string, unknown> };
      expect(status.redis).toMatchObject({ mode: 'standalone', tls: true, connection: 'ready', target: redis.url });

      // A change made by gwctl reaches the gateway (pub/sub and gw:rev, both over TLS).
      await gwctlOk([...flags, 'key', 'disable', 'team-tls']);
      await expect.poll(async () => (await postChat(t, key)).status, { timeout: 5000 }).toBe(403);
    } finally {
      await t.close();
    }
  });

  it('gwctl: the wrong CA, no client certificate, or a file it cannot read is one line naming the variable or flag (exit 1)', async () => {
    const url = redis.url.replace('rediss://', 'rediss://:hunter2@');
    const wrongCa = await gwctl(['redis', 'ping'], { ...tlsEnv(), REDIS_URL: url, REDIS_TLS_CA_FILE: m.otherCaFile });
    expect(wrongCa.code).toBe(1);
    expect(wrongCa.stderr).toBe(
      `error: cannot reach Redis at rediss://***@127.0.0.1:${redis.port}: TLS: the server's certificate is not signed by a trusted CA ` +
        '(SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain); set REDIS_TLS_CA_FILE to the CA that signed it\n',
    );

    // Given as a flag, the message names the flag.
    const wrongCaFlag = await gwctl(['--redis-url', redis.url, '--redis-tls-ca-file', m.otherCaFile, 'redis', 'ping'], {});
    expect(wrongCaFlag.code).toBe(1);
    expect(wrongCaFlag.stderr).toMatch(/^error: cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+: TLS: .*; set --redis-tls-ca-file to the CA that signed it\n$/);

    const noCert = await gwctl(['redis', 'ping'], { REDIS_URL: url, REDIS_TLS_CA_FILE: m.caFile });
    expect(noCert.code).toBe(1);
    expect(noCert.stderr).toBe(
      `error: cannot reach Redis at rediss://***@127.0.0.1:${redis.port}: TLS: the server requires a client certificate ` +
        '(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: tlsv13 alert certificate required); set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE\n',
    );

    const foreignCert = await gwctl(['redis', 'ping'], { ...tlsEnv(), REDIS_TLS_CERT_FILE: m.otherClientCertFile, REDIS_TLS_KEY_FILE: m.otherClientKeyFile });
    expect(foreignCert.code).toBe(1);
    expect(foreignCert.stderr).toMatch(/^error: cannot reach Redis at .*: TLS: the server refused the client certificate \(ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: .*\n$/);

    const missing = path.join(m.dir, 'missing.key');
    const noFile = await gwctl(['provider', 'list'], { ...tlsEnv(), REDIS_TLS_KEY_FILE: missing });
    expect(noFile).toMatchObject({ code: 1, stdout: '', stderr: `error: REDIS_TLS_KEY_FILE=${missing}: cannot read it (ENOENT: no such file)\n` });
    const badKey = await gwctl(['--redis-tls-key-file', m.strayKeyFile, 'provider', 'list'], tlsEnv());
    expect(badKey.stderr).toBe(`error: --redis-tls-key-file=${m.strayKeyFile}: does not match the certificate in REDIS_TLS_CERT_FILE (key values mismatch)\n`);
    const tlsOff = await gwctl(['provider', 'list'], { ...tlsEnv(), REDIS_URL: redis.url.replace('rediss:', 'redis:') });
    expect(tlsOff.stderr).toBe(
      'error: REDIS_TLS_CA_FILE, REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE set but TLS is off: set REDIS_TLS=1 (or use a rediss:// URL), or unset them\n',
    );

    for (const r of [wrongCa, wrongCaFlag, noCert, foreignCert, noFile, badKey, tlsOff]) {
      expectNoSecrets(r.stderr + r.stdout);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
  });

  it('gwctl with REDIS_TLS_INSECURE_SKIP_VERIFY connects whatever the CA, with a warning', async () => {
    const r = await gwctl(['--redis-tls-insecure-skip-verify', 'redis', 'ping', '--json'], { ...tlsEnv(), REDIS_TLS_CA_FILE: m.otherCaFile });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ reachable: true, tls: true });
    expect(r.stderr).toMatch(/^warning: --redis-tls-insecure-skip-verify is on: the Redis server's certificate is NOT verified/);
  });

  it('the gateway with the wrong CA or no client certificate starts not ready and logs why, once, naming the variable', async () => {
    const cases = [
      {
        env: { ...tlsEnv(), REDIS_TLS_CA_FILE: m.otherCaFile },
        why: "TLS: the server's certificate is not signed by a trusted CA (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain); set REDIS_TLS_CA_FILE to the CA that signed it",
      },
      {
        env: { REDIS_URL: redis.url, REDIS_TLS_CA_FILE: m.caFile },
        why: 'TLS: the server requires a client certificate (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: tlsv13 alert certificate required); set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE',
      },
    ];
    for (const c of cases) {
      const t: TestGateway = await startTestGateway({ ...(c.env as Record<string, string>), GW_ADMIN_PORT: '0', GW_REDIS_BOOT_WAIT_MS: '300' });
      try {
        const line = `cannot reach Redis at ${redis.url}: ${c.why}`;
        const errors = () => t.logs.json().filter((l) => l.level === 50 && l.msg === line);
        await expect.poll(() => errors().length, { timeout: 5000 }).toBe(1);
        expect((await fetch(`${t.url}/ready`)).status).toBe(503);
        const status = (await (await fetch(`http://127.0.0.1:${t.gw.adminPort}/status`)).json()) as { status: string; redis: Record<string, unknown> };
        expect(status).toMatchObject({ status: 'degraded', redis: { tls: true, latencyMs: null, error: c.why } });
        // The boot warning says why too.
        const boot = t.logs.json().find((l) => l.level === 40 && String(l.msg).startsWith('Redis is not reachable yet'));
        expect(boot?.err).toEqual(expect.stringContaining('TLS'));
        expect(errors()).toHaveLength(1); // retries do not repeat it
        expectNoSecrets(t.logs.text);
      } finally {
        await t.close();
      }
    }
  });

  it('the gateway process exits 2 with one line when a TLS file cannot be used', async () => {
    const missing = path.join(m.dir, 'missing-ca.pem');
    await expect(spawnGateway({ ...tlsEnv(), REDIS_TLS_CA_FILE: missing })).rejects.toThrow(
      `gateway exited with 2:\nllmgw: invalid configuration: REDIS_TLS_CA_FILE=${missing}: cannot read it (ENOENT: no such file)\n`,
    );
    await expect(spawnGateway({ ...tlsEnv(), REDIS_TLS: 'maybe' })).rejects.toThrow(/gateway exited with 2:\nllmgw: invalid configuration: REDIS_TLS="maybe": /);
  });

  it('the gateway with REDIS_TLS_INSECURE_SKIP_VERIFY connects, and warns at boot', async () => {
    const t = await startTestGateway({ ...tlsEnv(), REDIS_TLS_CA_FILE: m.otherCaFile, REDIS_TLS_INSECURE_SKIP_VERIFY: '1' });
    try {
      expect(t.gw.redis.status).toBe('ready');
      expect(t.logs.json().filter((l) => l.level === 40 && /^REDIS_TLS_INSECURE_SKIP_VERIFY is on: the Redis server's certificate is NOT verified/.test(String(l.msg)))).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});

describe('Sentinel over TLS', () => {
  let sentinel: LocalSentinel;
  beforeAll(async () => {
    sentinel = await startRedisSentinel('llmgw-tls', { tls: { certFile: m.serverCertFile, keyFile: m.serverKeyFile, caFile: m.caFile } });
  });
  afterAll(async () => {
    await sentinel?.stop();
  });

  it('gwctl seeds and the gateway serves through the TLS Sentinel and its TLS master', async () => {
    const env = { REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_NAME: sentinel.name, REDIS_TLS: '1', REDIS_TLS_CA_FILE: m.caFile };
    const ping = JSON.parse(await gwctlOk(['redis', 'ping', '--json'], env)) as Record<string, unknown>;
    expect(ping).toMatchObject({ mode: 'sentinel', tls: true, target: `sentinel ${sentinel.sentinels} (master llmgw-tls) over TLS` });
    const key = await seed(env);
    const t = await startTestGateway(env);
    try {
      expect((await postChat(t, key)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('Cluster over TLS', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3, { tls: { certFile: m.serverCertFile, keyFile: m.serverKeyFile, caFile: m.caFile } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('gwctl seeds and the gateway serves through 3 TLS masters (keys on several nodes)', async () => {
    const flags = ['--redis-cluster-nodes', cluster.nodes, '--redis-tls', '--redis-tls-ca-file', m.caFile];
    const ping = JSON.parse(await gwctlOk([...flags, 'redis', 'ping', '--json'])) as Record<string, unknown>;
    expect(ping).toMatchObject({ mode: 'cluster', tls: true });
    const key = await seed({}, flags);
    const t = await startTestGateway({ REDIS_CLUSTER_NODES: cluster.nodes, REDIS_TLS: '1', REDIS_TLS_CA_FILE: m.caFile });
    try {
      expect((await postChat(t, key)).status).toBe(200);
    } finally {
      await t.close();
    }
    // A Cluster client without the CA is told so, although ioredis itself only says "Failed to refresh slots cache".
    const r = await gwctl(['--redis-cluster-nodes', cluster.nodes, '--redis-tls', 'redis', 'ping']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach Redis at cluster .* over TLS: TLS: the server's certificate is not signed by a trusted CA .*; set REDIS_TLS_CA_FILE to the CA that signed it\n$/);
  });
});
