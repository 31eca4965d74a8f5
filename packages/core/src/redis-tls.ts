import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type ConnectionOptions } from 'node:tls';

/**
 * TLS towards Redis as configured: file paths and switches, never key material. The same
 * settings apply to every connection of a client: the standalone server, the Sentinels and
 * the master they name, every Cluster node.
 */
export interface RedisTlsSettings {
  /** Use TLS (`REDIS_TLS`). A `rediss://` URL turns it on for standalone Redis by itself. */
  enabled?: boolean;
  /**
   * PEM bundle of the CAs to trust (`REDIS_TLS_CA_FILE`). As Node's tls `ca` option: it
   * replaces Node's default trust store (Mozilla's CAs) for these connections, it does not add
   * to it. Unset: the default store (NODE_EXTRA_CA_CERTS adds to that one).
   */
  caFile?: string;
  /** PEM client certificate, with its chain, for mutual TLS (`REDIS_TLS_CERT_FILE`; needs keyFile). */
  certFile?: string;
  /** Unencrypted PEM private key of certFile (`REDIS_TLS_KEY_FILE`). */
  keyFile?: string;
  /** Name sent as SNI and checked against the server's certificate instead of the host connected to (`REDIS_TLS_SERVERNAME`). */
  servername?: string;
  /** Accept any server certificate (`REDIS_TLS_INSECURE_SKIP_VERIFY`): encrypted, but anyone on the path can pose as Redis. */
  insecureSkipVerify?: boolean;
}

/** The environment variable of each setting, named in messages. */
export const REDIS_TLS_ENV: Record<keyof RedisTlsSettings, string> = {
  enabled: 'REDIS_TLS',
  caFile: 'REDIS_TLS_CA_FILE',
  certFile: 'REDIS_TLS_CERT_FILE',
  keyFile: 'REDIS_TLS_KEY_FILE',
  servername: 'REDIS_TLS_SERVERNAME',
  insecureSkipVerify: 'REDIS_TLS_INSECURE_SKIP_VERIFY',
};
const names = REDIS_TLS_ENV;

/** A Redis setting that cannot work (a TLS file missing or not PEM, …); its message names the variable. */
export class RedisConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisConfigError';
  }
}

const TRUE = ['1', 'true', 'yes'];
const FALSE = ['0', 'false', 'no', ''];

/** `1`/`true`/`yes` or `0`/`false`/`no`/empty, exactly as the gateway's config reads switches; anything else is an error naming `name`. */
function parseEnvSwitch(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new RedisConfigError(`${name}=${JSON.stringify(value)}: expected 1/true/yes or 0/false/no`);
}

/** The TLS settings in the REDIS_TLS* environment variables. */
export function redisTlsFromEnv(env: NodeJS.ProcessEnv = process.env): RedisTlsSettings {
  const s: RedisTlsSettings = {
    enabled: parseEnvSwitch(REDIS_TLS_ENV.enabled, env.REDIS_TLS),
    caFile: env.REDIS_TLS_CA_FILE || undefined,
    certFile: env.REDIS_TLS_CERT_FILE || undefined,
    keyFile: env.REDIS_TLS_KEY_FILE || undefined,
    servername: env.REDIS_TLS_SERVERNAME || undefined,
    insecureSkipVerify: parseEnvSwitch(REDIS_TLS_ENV.insecureSkipVerify, env.REDIS_TLS_INSECURE_SKIP_VERIFY),
  };
  return s;
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

// Only the path and the reason ever reach a message: never the file's content.
function readPem(name: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new RedisConfigError(`${name}=${file}: cannot read it (${code}: ${READ_ERRORS[code] ?? 'unreadable'})`);
  }
}

/** `ca` must hold at least one certificate: Node silently ignores a CA bundle that holds none. */
function checkCaBundle(name: string, file: string, pem: Buffer): void {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new RedisConfigError(`${name}=${file}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)`);
  blocks.forEach((b, i) => {
    try {
      new X509Certificate(b);
    } catch {
      throw new RedisConfigError(`${name}=${file}: certificate #${i + 1} in it cannot be parsed`);
    }
  });
}

function opensslReason(e: unknown): string {
  const err = e as { reason?: string; code?: string; message?: string };
  return err.reason ?? err.code ?? 'invalid';
}

/** True when the target's connections use TLS: REDIS_TLS, or a `rediss://` URL for standalone Redis. */
export function tlsEnabled(s: RedisTlsSettings | undefined, standaloneUrl: string | undefined): boolean {
  return s?.enabled === true || (standaloneUrl?.startsWith('rediss://') ?? false);
}

/**
 * Read and check the TLS files once, and build the tls options of every Redis connection;
 * undefined when TLS is off. Throws RedisConfigError naming the setting at fault: a file
 * missing, unreadable or not PEM, a key that does not match its certificate, or TLS settings
 * given while TLS is off (they would be silently ignored and the traffic sent in clear).
 */
export function loadRedisTls(s: RedisTlsSettings | undefined, enabled: boolean): ConnectionOptions | undefined {
  const given = (['caFile', 'certFile', 'keyFile', 'servername', 'insecureSkipVerify'] as const).filter((k) => s?.[k]);
  if (!enabled) {
    if (given.length > 0) {
      throw new RedisConfigError(`${given.map((k) => names[k]).join(', ')} set but TLS is off: set ${names.enabled}=1 (or use a rediss:// URL), or unset ${given.length > 1 ? 'them' : 'it'}`);
    }
    return undefined;
  }
  const o: ConnectionOptions = {};
  if (s?.caFile) {
    o.ca = readPem(names.caFile, s.caFile);
    checkCaBundle(names.caFile, s.caFile, o.ca);
  }
  if (s?.certFile || s?.keyFile) {
    if (!s.certFile || !s.keyFile) {
      const [set, missing] = s.certFile ? [names.certFile, names.keyFile] : [names.keyFile, names.certFile];
      throw new RedisConfigError(`${set} is set without ${missing}: a client certificate needs both`);
    }
    const cert = readPem(names.certFile, s.certFile);
    const key = readPem(names.keyFile, s.keyFile);
    try {
      createSecureContext({ cert });
    } catch (e) {
      throw new RedisConfigError(`${names.certFile}=${s.certFile}: not a PEM certificate (${opensslReason(e)})`);
    }
    try {
      createSecureContext({ cert, key });
    } catch (e) {
      const reason = opensslReason(e);
      const what = /mismatch/i.test(reason) ? `does not match the certificate in ${names.certFile}` : 'not an unencrypted PEM private key';
      throw new RedisConfigError(`${names.keyFile}=${s.keyFile}: ${what} (${reason})`);
    }
    o.cert = cert;
    o.key = key;
  }
  if (s?.servername) o.servername = s.servername;
  if (s?.insecureSkipVerify) o.rejectUnauthorized = false;
  return o;
}

/** The warning to print when the settings switch verification off; null when they do not. */
export function redisTlsWarning(s: RedisTlsSettings | undefined, enabled: boolean): string | null {
  if (!enabled || !s?.insecureSkipVerify) return null;
  return (
    `${names.insecureSkipVerify} is on: the Redis server's certificate is NOT verified, so anyone on the network path ` +
    `can pose as Redis and read or change the registry. Use ${names.caFile} to trust a private CA instead.`
  );
}
