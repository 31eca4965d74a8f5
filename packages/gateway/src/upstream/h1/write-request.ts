import type { UpstreamDispatchOptions } from '../dispatcher.js';
import { invalidArgument } from './errors.js';
import { isToken } from './token.js';

/** What a header value may hold (undici's rule): HT, visible ASCII, space, obs-text. No CR, LF or NUL. */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** What a request target may hold: no controls, no space, nothing outside latin1. */
const BAD_PATH = /[^\x21-\xff]/;
/** Bodies up to this size are copied behind the head so both leave in one write; larger ones go as a second buffer of the same writev. */
const COPY_BODY_MAX = 64 * 1_024;

/**
 * The request on the wire: head and body, checked before anything is written. `host` and
 * `content-length` are ours (the caller's are ignored); headers that would change the
 * framing or the connection (transfer-encoding, connection, keep-alive, upgrade, expect) are
 * refused, as are names that are not tokens and values with CR, LF, NUL or other controls
 * (header injection). Returns one buffer, or head and body for a large body.
 */
export function serializeRequest(o: UpstreamDispatchOptions, host: string): Buffer | [Buffer, Buffer] {
  const { method, path, headers, body } = o;
  if (typeof path !== 'string' || path.charCodeAt(0) !== 47 || BAD_PATH.test(path)) throw invalidArgument(`invalid request path ${JSON.stringify(path)}`);
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (!isToken(name)) throw invalidArgument(`invalid request header name ${JSON.stringify(name)}`);
    if (typeof value !== 'string' || BAD_VALUE.test(value)) throw invalidArgument(`invalid value of request header "${name}" (CR, LF, NUL or another control character)`);
    const len = name.length;
    if (len === 4 || len === 6 || len === 7 || len === 10 || len === 14 || len === 17) {
      const lower = name.toLowerCase();
      if (lower === 'host' || lower === 'content-length') continue;
      if (lower === 'transfer-encoding' || lower === 'connection' || lower === 'keep-alive' || lower === 'upgrade' || lower === 'expect') {
        throw invalidArgument(`request header "${name}" is set by the HTTP client, not the caller`);
      }
    }
    head += `${name}: ${value}\r\n`;
  }
  if (body === null) {
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS') return Buffer.from(`${head}\r\n`, 'latin1');
    return Buffer.from(`${head}content-length: 0\r\n\r\n`, 'latin1');
  }
  const bodyLen = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  head += `content-length: ${bodyLen}\r\n\r\n`;
  // Every character of `head` is latin1 (checked above; the host comes from a URL), one byte each.
  if (bodyLen > COPY_BODY_MAX) return [Buffer.from(head, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'utf8') : body];
  const out = Buffer.allocUnsafe(head.length + bodyLen);
  out.write(head, 0, 'latin1');
  if (typeof body === 'string') out.write(body, head.length, 'utf8');
  else body.copy(out, head.length);
  return out;
}
