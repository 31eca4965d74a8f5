import { afterAll, describe, expect, it } from 'vitest';
import { type AgentOverrides, CLIENTS, ok, options, record, useH1Fixtures, wellFormed } from '../../../../../tests/support/h1-servers.js';
import { makeUpstreamCerts, type KeyPair } from '../../../../../tests/support/upstream-certs.js';
import { upstreamCaOptions } from './ca-file.js';
import { mapUpstreamError } from '../map-upstream-error.js';

// TLS failures against both clients (see conformance-connections.test.ts): each is reported
// with Node's own code by both, and the gateway answers it as a TLS failure that says why,
// never as "closed the connection unexpectedly".

const fx = useH1Fixtures();
const certs = makeUpstreamCerts();
const skip = 'skip' in certs ? certs.skip : '';
afterAll(() => {
  if (!('skip' in certs)) certs.cleanup();
});

describe.each(CLIENTS)('upstream HTTP client conformance, TLS failures: %s', (client) => {
  const agent = (o?: AgentOverrides) => fx.agent(client, o);

  /** One request to a TLS server presenting `pair`; the server must never see it. */
  async function refused(pair: KeyPair, trustCa: boolean) {
    if ('skip' in certs) throw new Error(certs.skip);
    const s = await fx.server((_q, sock) => sock.write(ok('x')), { tls: pair });
    const r = await record(agent(trustCa ? { tls: { ca: certs.ca } } : {}), options(`https://localhost:${s.port}`));
    expect(wellFormed(r)).toBe(true);
    expect(r.events.at(-1)).toBe('error');
    expect(s.requests).toHaveLength(0);
    return { code: r.error!.code, answer: mapUpstreamError(r.error!, 'p') };
  }

  it.skipIf(skip)('reports a self-signed certificate as a rejected certificate', async () => {
    if ('skip' in certs) return;
    const { code, answer } = await refused(certs.selfSigned, false);
    expect(code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(answer).toMatchObject({ status: 502, code: 'upstream_tls_error', retryable: true });
    expect(answer.message).toBe('The TLS certificate of the upstream provider "p" was rejected: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT).');
  });

  it.skipIf(skip)('reports a certificate from an unknown CA', async () => {
    if ('skip' in certs) return;
    const { code, answer } = await refused(certs.good, false);
    expect(code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(answer.code).toBe('upstream_tls_error');
    expect(answer.message).toMatch(/TLS certificate .* was rejected: unable to verify the first certificate/);
  });

  it.skipIf(skip)('reports an expired certificate', async () => {
    if ('skip' in certs) return;
    const { code, answer } = await refused(certs.expired, true);
    expect(code).toBe('CERT_HAS_EXPIRED');
    expect(answer.message).toMatch(/was rejected: certificate has expired \(CERT_HAS_EXPIRED\)\.$/);
  });

  it.skipIf(skip)('reports a certificate for another host without naming either host', async () => {
    if ('skip' in certs) return;
    const { code, answer } = await refused(certs.otherHost, true);
    expect(code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(answer.message).toMatch(/was rejected: certificate is not valid for the upstream's host name/);
    expect(answer.message).not.toMatch(/localhost|other\.test/);
  });

  it('reports a server that does not speak TLS on an https origin as a failed TLS connection', async () => {
    // A plain HTTP server answers the TLS hello with an HTTP error.
    const s = await fx.server(() => {}, { onConnection: (sock) => sock.once('data', () => sock.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n')) });
    const r = await record(agent(), options(`https://127.0.0.1:${s.port}`));
    expect(wellFormed(r)).toBe(true);
    expect(r.error!.code).toBe('ERR_SSL_WRONG_VERSION_NUMBER');
    const answer = mapUpstreamError(r.error!, 'p');
    expect(answer.code).toBe('upstream_tls_error');
    expect(answer.message).toBe('The TLS connection to the upstream provider "p" failed: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER).');
  });

  it.skipIf(skip)('trusts a server whose CA is in GW_UPSTREAM_CA_FILE, and still refuses a self-signed one', async () => {
    if ('skip' in certs) return;
    const tls = upstreamCaOptions(certs.caFile);
    const good = await fx.server((_q, sock) => sock.write(ok('fine')), { tls: certs.good });
    expect((await record(agent({ tls }), options(`https://localhost:${good.port}`))).body.toString()).toBe('fine');
    const self = await fx.server((_q, sock) => sock.write(ok('x')), { tls: certs.selfSigned });
    expect((await record(agent({ tls }), options(`https://localhost:${self.port}`))).error!.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });
});
