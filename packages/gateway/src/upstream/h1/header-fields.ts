import type { UpstreamHeaders } from '../dispatcher.js';
import { protocolError } from './errors.js';
import { isToken } from './token.js';

// The header fields of a response head or trailer section, as the response parser reads them:
// the section's text in, a header dictionary out, strict where laxness lets a response be read
// two ways. The framing (status line, sections, bodies, chunks) is response-parser.ts's.

/** A control character other than HT, CR and LF (a CR or LF outside a CRLF is found line by line). */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
export const BAD_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/** A CR or LF inside the line [from, eol): a line break the sender and we would read differently. */
export function hasBareBreak(text: string, from: number, eol: number): boolean {
  const cr = text.indexOf('\r', from);
  const lf = text.indexOf('\n', from);
  return (cr !== -1 && cr < eol) || (lf !== -1 && lf < eol);
}

function define(h: UpstreamHeaders, name: string, value: string | string[]): void {
  Object.defineProperty(h, name, { value, enumerable: true, configurable: true, writable: true });
}

/**
 * Headers go into a plain object (fast properties, as undici's); the two lower-case names an
 * Object already answers to (`constructor`, `__proto__`) are defined as own properties.
 */
function addHeader(h: UpstreamHeaders, name: string, value: string): void {
  const cur = h[name];
  if (cur === undefined) h[name] = value;
  else if (!Object.hasOwn(h, name)) define(h, name, value);
  else if (typeof cur === 'string') define(h, name, [cur, value]);
  else cur.push(value);
}

export function joined(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

export function hasToken(list: string, token: string): boolean {
  for (const t of list.toLowerCase().split(',')) if (t.trim() === token) return true;
  return false;
}

/**
 * Add the `name: value` lines of a header section (latin1, without its final CRLFCRLF) from
 * `from` to `h`. Strict where laxness lets a response be read two ways (obs-fold, bare CR or
 * LF, control characters, a space before the colon).
 */
export function parseFields(text: string, from: number, h: UpstreamHeaders): void {
  let pos = from;
  while (pos < text.length) {
    let eol = text.indexOf('\r\n', pos);
    if (eol === -1) eol = text.length;
    const colon = text.indexOf(':', pos);
    if (colon <= pos || colon > eol || !isToken(text, pos, colon)) throw protocolError('HPE_INVALID_HEADER_TOKEN', `malformed header line ${JSON.stringify(text.slice(pos, Math.min(eol, pos + 40)))} in the response`);
    if (hasBareBreak(text, colon, eol)) throw protocolError('HPE_INVALID_HEADER_TOKEN', 'a CR or LF alone in a response header');
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
    addHeader(h, text.slice(pos, colon).toLowerCase(), text.slice(vs, ve));
    pos = eol + 2;
  }
}
