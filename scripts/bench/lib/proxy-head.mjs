// What the two no-logic reference proxies (bare-proxy.mjs, plain-proxy.mjs) share: the headers
// they do not copy, and the status line uWS writes.
import { STATUS_CODES } from 'node:http';

/** Hop-by-hop headers, and the ones uWS writes itself. */
export const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade', 'te', 'trailer', 'date', 'uwebsockets']);

const STATUS = new Map();

/** `200 OK` for 200: made once per status. */
export function statusLine(code) {
  let s = STATUS.get(code);
  if (!s) STATUS.set(code, (s = `${code} ${STATUS_CODES[code] ?? 'Unknown'}`));
  return s;
}
