// Throwaway certificates for the Redis TLS tests, made with openssl into a temporary directory:
// a CA, a Redis server certificate it signed (also usable as the client certificate of the
// Cluster bus), a client certificate it signed, and an unrelated CA with a client certificate
// of its own (a "wrong CA" for either side). EC P-256 keys: a whole set takes ~100 ms.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TlsMaterial {
  dir: string;
  /** The CA that signed the server and client certificates. */
  caFile: string;
  /** Redis's certificate: SAN DNS:localhost, DNS:redis.test, IP:127.0.0.1; serverAuth + clientAuth. */
  serverCertFile: string;
  serverKeyFile: string;
  /** A client certificate signed by `caFile` (mutual TLS). */
  clientCertFile: string;
  clientKeyFile: string;
  /** An unrelated CA: trusting it instead of `caFile` is the "wrong CA" case. */
  otherCaFile: string;
  /** A client certificate signed by `otherCaFile`, which the server does not trust. */
  otherClientCertFile: string;
  otherClientKeyFile: string;
  /** A private key that belongs to none of the certificates above. */
  strayKeyFile: string;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function key(dir: string, name: string): string {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name], dir);
  return path.join(dir, name);
}

function ca(dir: string, name: string, cn: string): { cert: string; key: string } {
  const k = key(dir, `${name}.key`);
  openssl(['req', '-x509', '-new', '-key', k, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`], dir);
  return { cert: path.join(dir, `${name}.crt`), key: k };
}

function signed(dir: string, name: string, cn: string, issuer: { cert: string; key: string }, ext: string): { cert: string; key: string } {
  const k = key(dir, `${name}.key`);
  openssl(['req', '-new', '-key', k, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', issuer.cert, '-CAkey', issuer.key, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`], dir);
  return { cert: path.join(dir, `${name}.crt`), key: k };
}

/** Generate a fresh set; `cleanup()` removes the directory. */
export function makeTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-tls-'));
  try {
    const root = ca(dir, 'ca', 'llmgw test CA');
    const other = ca(dir, 'other-ca', 'some other CA');
    const server = signed(dir, 'server', 'redis.test', root, 'subjectAltName=DNS:localhost,DNS:redis.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
    const client = signed(dir, 'client', 'llmgw client', root, 'extendedKeyUsage=clientAuth\n');
    const intruder = signed(dir, 'other-client', 'intruder', other, 'extendedKeyUsage=clientAuth\n');
    return {
      dir,
      caFile: root.cert,
      serverCertFile: server.cert,
      serverKeyFile: server.key,
      clientCertFile: client.cert,
      clientKeyFile: client.key,
      otherCaFile: other.cert,
      otherClientCertFile: intruder.cert,
      otherClientKeyFile: intruder.key,
      strayKeyFile: key(dir, 'stray.key'),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
