// Throwaway certificates for TLS upstreams in tests, made with openssl: a CA and server
// certificates it signed, good and bad (expired, for another host), plus a self-signed one.
// EC P-256 keys: the whole set takes ~100 ms.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KeyPair {
  key: string;
  cert: string;
}

export interface UpstreamCerts {
  /** PEM of the CA that signed `good`, `expired` and `otherHost`; `caFile` is the same on disk. */
  ca: string;
  caFile: string;
  /** For localhost and 127.0.0.1, signed by the CA. */
  good: KeyPair;
  /** For localhost and 127.0.0.1, signed by the CA, expired (its notAfter is before its notBefore). */
  expired: KeyPair;
  /** For other.test only, signed by the CA. */
  otherHost: KeyPair;
  /** For localhost and 127.0.0.1, self-signed. */
  selfSigned: KeyPair;
  cleanup(): void;
}

/** Make the set, or return why it cannot be made (no openssl). */
export function makeUpstreamCerts(): UpstreamCerts | { skip: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-upstream-certs-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  const key = (name: string) => run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  const local = 'subjectAltName=DNS:localhost,IP:127.0.0.1\n';
  const signed = (name: string, san: string, days: string): KeyPair => {
    key(name);
    run('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(path.join(dir, `${name}.ext`), `${san}extendedKeyUsage=serverAuth\n`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', days, '-extfile', `${name}.ext`, '-out', `${name}.crt`);
    return { key: read(`${name}.key`), cert: read(`${name}.crt`) };
  };
  try {
    key('ca');
    run('req', '-x509', '-new', '-key', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=llmgw upstream test CA');
    key('self');
    run('req', '-x509', '-new', '-key', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=localhost', '-addext', local.trim());
    return {
      ca: read('ca.crt'),
      caFile: path.join(dir, 'ca.crt'),
      good: signed('good', local, '2'),
      expired: signed('expired', local, '-1'),
      otherHost: signed('other', 'subjectAltName=DNS:other.test\n', '2'),
      selfSigned: { key: read('self.key'), cert: read('self.crt') },
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `openssl could not make the test certificates: ${(e as Error).message}` };
  }
}
