import { connect } from 'node:tls';
import { describeRedisError, isTlsFailure, isUnexplainedTlsDrop } from './redis-connect-error.js';
import type { RedisTarget } from './redis-connect.js';
import { loadRedisTls } from './redis-tls.js';

/** The first endpoint a client of the target connects to: the URL's host, the first Sentinel or Cluster seed. */
function firstEndpoint(t: RedisTarget): { host: string; port: number } {
  const list = t.clusterNodes ?? t.sentinels;
  if (list) {
    const first = list.split(',')[0]!.trim();
    const i = first.lastIndexOf(':');
    return { host: first.slice(0, i) || '127.0.0.1', port: Number(first.slice(i + 1)) || (t.sentinels && !t.clusterNodes ? 26379 : 6379) };
  }
  const u = new URL(t.url ?? 'redis://127.0.0.1:6379');
  return { host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(u.port) || 6379 };
}

/**
 * Ask a TLS server why it dropped us. A TLS 1.3 server checks the client's certificate only
 * after the client's side of the handshake is done, and a Redis client writes at once, so it
 * sees either the server's alert ("certificate required", "unknown ca") or a bare reset,
 * depending on timing. This connects once more with the same settings, writes nothing, and
 * waits up to `waitMs` for the alert. Resolves the error the handshake ended with, or null
 * when the server accepted the connection.
 */
export function probeRedisTls(t: RedisTarget, waitMs = 1000): Promise<Error | null> {
  const { host, port } = firstEndpoint(t);
  const options = loadRedisTls(t.tls, true) ?? {};
  return new Promise((resolve) => {
    const sock = connect({ host, port, ...options });
    let timer: NodeJS.Timeout | undefined;
    const done = (e: Error | null) => {
      if (!sock.destroyed) sock.destroy();
      clearTimeout(timer);
      timer = undefined;
      resolve(e);
    };
    // Covers the handshake too: a server that never completes it has told us nothing.
    timer = setTimeout(() => done(null), waitMs * 2);
    sock.once('secureConnect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => done(null), waitMs);
    });
    sock.on('error', (e) => done(e));
    sock.once('close', () => done(null));
    sock.once('data', () => done(null));
  });
}

/**
 * describeRedisError, after asking the server (probeRedisTls) when a TLS connection was
 * dropped without a reason: so a missing or refused client certificate is named as such.
 */
export async function explainRedisFailure(e: unknown, t: RedisTarget): Promise<string> {
  if (isUnexplainedTlsDrop(e, t)) {
    const why = await probeRedisTls(t).catch(() => null);
    if (why && isTlsFailure(why)) return describeRedisError(why, t);
  }
  return describeRedisError(e, t);
}
