// Redis over TLS against real TLS-only redis-servers (`--port 0 --tls-port …`) with
// certificates made by openssl for this run: what connects, and what each failure says.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTlsMaterial, type TlsMaterial } from '../../../tests/support/tls-material.js';
import { startRedis } from '../../../scripts/lib/local-redis.mjs';
import { describeRedisError, isTlsFailure } from './redis-connect-error.js';
import { explainRedisFailure } from './redis-tls-probe.js';
import { createRedis, describeRedisTarget, redisTargetFromEnv, redisUsesTls, type RedisTarget } from './redis-connect.js';
import { loadRedisTls, redisTlsFromEnv, redisTlsWarning, RedisConfigError } from './redis-tls.js';
import { Registry } from './registry.js';

interface LocalRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

let m: TlsMaterial;
/** Server certificates verified by clients; client certificates not asked for. */
let oneWay: LocalRedis;
/** Mutual TLS: the server refuses clients without a certificate signed by its CA. */
let mutual: LocalRedis;

beforeAll(async () => {
  m = makeTlsMaterial();
  const files = { certFile: m.serverCertFile, keyFile: m.serverKeyFile, caFile: m.caFile };
  [oneWay, mutual] = await Promise.all([startRedis({ tls: { ...files, authClients: 'no' } }), startRedis({ tls: { ...files, authClients: 'yes' } })]);
});
afterAll(async () => {
  await Promise.all([oneWay?.stop(), mutual?.stop()]);
  m?.cleanup();
});

/** Connect once (no reconnect) and return the error the client reported, or null when it connected. */
async function connectFailure(t: RedisTarget, connectTimeoutMs = 2000): Promise<unknown> {
  const r = createRedis(t, { lazyConnect: true, maxReconnects: 0, connectTimeoutMs });
  let last: unknown = null;
  r.on('error', (e: unknown) => (last = e));
  try {
    await r.connect();
    await r.ping();
    return null;
  } catch (e) {
    return last ?? e;
  } finally {
    r.disconnect();
  }
}

describe('TLS settings', () => {
  it('are read from REDIS_TLS* and refuse a switch that is not one', () => {
    expect(redisTlsFromEnv({ REDIS_TLS: 'true', REDIS_TLS_CA_FILE: '/ca.pem', REDIS_TLS_INSECURE_SKIP_VERIFY: '0' })).toEqual({
      enabled: true,
      caFile: '/ca.pem',
      certFile: undefined,
      keyFile: undefined,
      servername: undefined,
      insecureSkipVerify: false,
    });
    expect(redisTargetFromEnv({ REDIS_URL: 'redis://h:1', REDIS_TLS: '1' }).tls?.enabled).toBe(true);
    expect(() => redisTlsFromEnv({ REDIS_TLS: 'on' })).toThrow(new RedisConfigError('REDIS_TLS="on": expected 1/true/yes or 0/false/no'));
  });

  it('a rediss:// URL turns TLS on for standalone only; REDIS_TLS for every topology', () => {
    expect(redisUsesTls({ url: 'rediss://h:1' })).toBe(true);
    expect(redisUsesTls({ url: 'redis://h:1' })).toBe(false);
    expect(redisUsesTls({ url: 'redis://h:1', tls: { enabled: true } })).toBe(true);
    expect(redisUsesTls({ url: 'rediss://h:1', clusterNodes: 'a:1' })).toBe(false);
    expect(redisUsesTls({ clusterNodes: 'a:1', tls: { enabled: true } })).toBe(true);
    expect(describeRedisTarget({ clusterNodes: 'a:1', tls: { enabled: true } })).toBe('cluster a:1 over TLS');
    expect(describeRedisTarget({ url: 'redis://u:pw@h:1', tls: { enabled: true } })).toBe('redis://***@h:1 over TLS');
    expect(describeRedisTarget({ url: 'rediss://h:1' })).toBe('rediss://h:1');
  });

  it('a file that cannot be used is a one-line error naming the variable, never quoting the file', () => {
    const err = (s: Parameters<typeof loadRedisTls>[0]) => {
      try {
        loadRedisTls(s, true);
      } catch (e) {
        expect(e).toBeInstanceOf(RedisConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a RedisConfigError');
    };
    const missing = path.join(m.dir, 'nope.pem');
    expect(err({ caFile: missing })).toBe(`REDIS_TLS_CA_FILE=${missing}: cannot read it (ENOENT: no such file)`);
    expect(err({ caFile: m.dir })).toBe(`REDIS_TLS_CA_FILE=${m.dir}: cannot read it (EISDIR: it is a directory)`);
    // A key where the CA bundle should be: Node would accept it silently and trust nothing.
    expect(err({ caFile: m.clientKeyFile })).toBe(`REDIS_TLS_CA_FILE=${m.clientKeyFile}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)`);
    expect(err({ certFile: m.clientCertFile })).toBe('REDIS_TLS_CERT_FILE is set without REDIS_TLS_KEY_FILE: a client certificate needs both');
    expect(err({ keyFile: m.clientKeyFile })).toBe('REDIS_TLS_KEY_FILE is set without REDIS_TLS_CERT_FILE: a client certificate needs both');
    expect(err({ certFile: m.clientKeyFile, keyFile: m.clientKeyFile })).toMatch(/^REDIS_TLS_CERT_FILE=\S+client\.key: not a PEM certificate \(/);
    expect(err({ certFile: m.clientCertFile, keyFile: m.clientCertFile })).toMatch(/^REDIS_TLS_KEY_FILE=\S+client\.crt: not an unencrypted PEM private key \(/);
    const mismatch = err({ certFile: m.clientCertFile, keyFile: m.strayKeyFile });
    expect(mismatch).toMatch(/^REDIS_TLS_KEY_FILE=\S+stray\.key: does not match the certificate in REDIS_TLS_CERT_FILE \(key values mismatch\)$/);
    const keyBody = readFileSync(m.strayKeyFile, 'utf8').split('\n')[1]!;
    for (const msg of [mismatch, err({ caFile: m.clientKeyFile })]) {
      expect(msg).not.toContain('PRIVATE KEY');
      expect(msg).not.toContain(keyBody.slice(0, 16));
      expect(msg).not.toContain('\n');
    }
  });

  it('TLS settings while TLS is off are an error, not silently a connection in clear', () => {
    expect(() => createRedis({ url: 'redis://127.0.0.1:1', tls: { caFile: m.caFile } }, { lazyConnect: true })).toThrow(
      new RedisConfigError('REDIS_TLS_CA_FILE set but TLS is off: set REDIS_TLS=1 (or use a rediss:// URL), or unset it'),
    );
    expect(loadRedisTls({ enabled: false, insecureSkipVerify: false }, false)).toBeUndefined();
  });

  it('skipping verification builds rejectUnauthorized: false and comes with a warning', () => {
    expect(loadRedisTls({ insecureSkipVerify: true, servername: 'redis.test' }, true)).toEqual({ rejectUnauthorized: false, servername: 'redis.test' });
    expect(redisTlsWarning({ insecureSkipVerify: true }, true)).toMatch(/^REDIS_TLS_INSECURE_SKIP_VERIFY is on: the Redis server's certificate is NOT verified/);
    expect(redisTlsWarning({ caFile: m.caFile }, true)).toBeNull();
  });
});

describe('createRedis over TLS (real TLS-only redis-server)', () => {
  it('trusts REDIS_TLS_CA_FILE and the registry works end to end', async () => {
    const reg = new Registry(createRedis({ url: `${oneWay.url}/3`, tls: { caFile: m.caFile } }));
    try {
      await reg.redis.flushdb();
      await reg.addProvider({ name: 'p', base_url: 'http://127.0.0.1:1/v1', secrets: ['sk-tls-secret-000001'] });
      expect((await reg.getProvider('p'))?.base_url).toBe('http://127.0.0.1:1/v1');
      expect(await reg.revision()).toBe(1);
      // ioredis really speaks TLS on that socket (the server has no plain port anyway).
      expect((reg.redis as unknown as { stream: { encrypted?: boolean } }).stream.encrypted).toBe(true);
    } finally {
      await reg.redis.quit();
    }
  });

  it('REDIS_TLS=1 makes a redis:// URL speak TLS', async () => {
    expect(await connectFailure({ url: oneWay.url.replace('rediss:', 'redis:'), tls: { enabled: true, caFile: m.caFile } })).toBeNull();
  });

  it('without the CA (Node’s default CAs only) or with the wrong CA: a failure that names REDIS_TLS_CA_FILE', async () => {
    for (const t of [{ url: oneWay.url }, { url: oneWay.url, tls: { caFile: m.otherCaFile } }] as RedisTarget[]) {
      const e = await connectFailure(t);
      expect(isTlsFailure(e)).toBe(true);
      expect(describeRedisError(e)).toBe(
        "TLS: the server's certificate is not signed by a trusted CA (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain); set REDIS_TLS_CA_FILE to the CA that signed it",
      );
    }
  });

  it('REDIS_TLS_SERVERNAME is the name checked; a name the certificate lacks fails clearly', async () => {
    expect(await connectFailure({ url: oneWay.url, tls: { caFile: m.caFile, servername: 'redis.test' } })).toBeNull();
    const e = await connectFailure({ url: oneWay.url, tls: { caFile: m.caFile, servername: 'elsewhere.test' } });
    expect(describeRedisError(e)).toMatch(
      /^TLS: the server's certificate is not valid for the name connected to \(ERR_TLS_CERT_ALTNAME_INVALID: Host: elsewhere\.test\. is not in the cert's altnames: DNS:localhost, DNS:redis\.test, IP Address:127\.0\.0\.1\); connect by a name it carries or set REDIS_TLS_SERVERNAME$/,
    );
  });

  it('REDIS_TLS_INSECURE_SKIP_VERIFY connects whatever the CA', async () => {
    expect(await connectFailure({ url: oneWay.url, tls: { caFile: m.otherCaFile, insecureSkipVerify: true } })).toBeNull();
  });

  it('mutual TLS: the client certificate gets in; none, or one of another CA, is a clear refusal', async () => {
    expect(await connectFailure({ url: mutual.url, tls: { caFile: m.caFile, certFile: m.clientCertFile, keyFile: m.clientKeyFile } })).toBeNull();

    // TLS 1.3: the server checks the client after the client's side of the handshake is done, so
    // the client (which writes at once) sees the server's alert or a bare reset, by timing.
    // explainRedisFailure asks the server again in the second case, so the answer is the same.
    const none: RedisTarget = { url: mutual.url, tls: { caFile: m.caFile } };
    const foreign: RedisTarget = { url: mutual.url, tls: { caFile: m.caFile, certFile: m.otherClientCertFile, keyFile: m.otherClientKeyFile } };
    const certificateRequired =
      'TLS: the server requires a client certificate (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: tlsv13 alert certificate required); set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE';
    expect(await explainRedisFailure(await connectFailure(none), none)).toBe(certificateRequired);
    // The reset branch, whatever the timing above gave: the probe gets the alert; without it, a hint.
    const reset = Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET' });
    expect(await explainRedisFailure(reset, none)).toBe(certificateRequired);
    expect(describeRedisError(reset, none)).toBe(
      'write ECONNRESET (the server closed the TLS connection; if it requires a client certificate, set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE)',
    );
    expect(await explainRedisFailure(await connectFailure(foreign), foreign)).toBe(
      'TLS: the server refused the client certificate (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: tlsv1 alert unknown ca); REDIS_TLS_CERT_FILE must be signed by a CA the server trusts',
    );
  });

  it('a plain client on a TLS port, or a TLS client on a plain port, gets a hint', async () => {
    const plain = (await startRedis()) as LocalRedis;
    try {
      // A plain Redis waits for the end of a line that never comes: the connect timeout ends it.
      const t: RedisTarget = { url: plain.url, tls: { enabled: true, caFile: m.caFile } };
      expect(describeRedisError(await connectFailure(t, 500), t)).toMatch(/\(no TLS session in time: is the host reachable, and does this port speak TLS\?\)$|does not speak TLS on this port/);
    } finally {
      await plain.stop();
    }
    const t: RedisTarget = { url: oneWay.url.replace('rediss:', 'redis:') };
    expect(describeRedisError(await connectFailure(t), t)).toMatch(/ECONNRESET.*REDIS_TLS=1 or a rediss:\/\/ URL\)$/);
  });
});

it('a CA bundle with several certificates trusts each of them', async () => {
  const bundle = path.join(m.dir, 'bundle.pem');
  writeFileSync(bundle, readFileSync(m.otherCaFile, 'utf8') + readFileSync(m.caFile, 'utf8'));
  expect(await connectFailure({ url: oneWay.url, tls: { caFile: bundle } })).toBeNull();
});
