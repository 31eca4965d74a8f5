import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { ConfigError } from '../../config.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * TLS options trusting the CAs of the PEM bundle `file` (GW_UPSTREAM_CA_FILE) on top of Node's
 * default CAs (Mozilla's), for upstreams only. One secure context, built here once: a `ca`
 * option would build one per connection. Throws ConfigError naming the variable.
 */
export function upstreamCaOptions(file: string): tls.ConnectionOptions {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`invalid configuration: GW_UPSTREAM_CA_FILE=${JSON.stringify(file)}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // createSecureContext skips what it cannot parse without a word: check each certificate here.
  const found = pem.match(PEM_CERTIFICATE) ?? [];
  if (found.length === 0) throw new ConfigError(`invalid configuration: GW_UPSTREAM_CA_FILE=${JSON.stringify(file)}: no PEM certificate in it`);
  for (const [i, c] of found.entries()) {
    try {
      new X509Certificate(c);
    } catch (e) {
      throw new ConfigError(`invalid configuration: GW_UPSTREAM_CA_FILE=${JSON.stringify(file)}: certificate #${i + 1} cannot be parsed (${(e as Error).message})`);
    }
  }
  return { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, ...found] }) };
}
