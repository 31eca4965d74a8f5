import type { UpstreamHeaders } from '../dispatcher.js';
import { contentLengthMismatch, headersOverflow, protocolError, socketClosed } from './errors.js';
import { BAD_CONTROL, hasBareBreak, hasToken, joined, parseFields } from './header-fields.js';

/** What the parser hands over while it reads one response. */
export interface ParserSink {
  /** The final (non-1xx) status line and headers. */
  onHead(status: number, headers: UpstreamHeaders, reason: string): void;
  /** The body bytes of one read (a view into the socket's buffer), de-chunked. */
  onBody(chunk: Buffer): void;
}

const HEAD = 0;
const BODY_LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_DATA_CR = 4;
const CHUNK_DATA_LF = 5;
const TRAILERS = 6;
const BODY_UNTIL_CLOSE = 7;
const DONE = 8;

const CRLF2 = Buffer.from('\r\n\r\n');
const HEX_SIZE = /^[0-9a-fA-F]{1,13}$/;
/** Value of a hex digit by byte, -1 for anything else. */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
/** Longest chunk-size line (size and extensions). */
const MAX_CHUNK_LINE = 4_096;
const EMPTY: UpstreamHeaders = Object.freeze({});

/**
 * An incremental HTTP/1.1 response parser for one connection (one response at a time, no
 * pipelining). `execute` reads as far as it can and returns where it stopped: at the end of
 * the buffer, after the response completed (`complete`), or right after a sink callback when
 * the connection set `halt` (paused or aborted). Framing errors are thrown as H1Errors.
 */
export class ResponseParser {
  /** Set by the connection to stop right after the current callback. */
  halt = false;
  /** The response ended; `trailers` holds its trailers. */
  complete = false;
  trailers: UpstreamHeaders = EMPTY;
  /** The connection may carry another request after this response (as far as the response says). */
  keepAlive = false;
  /** The server's `Keep-Alive: timeout=N`, in ms; -1 when it sent none. */
  keepAliveHintMs = -1;

  private state = HEAD;
  private noBody = false;
  private remaining = 0;
  private expected = 0;
  private line = '';
  /** A head or trailer section that arrived in several pieces. */
  private acc: Buffer | null = null;
  private accLen = 0;
  private section = '';

  constructor(
    private readonly sink: ParserSink,
    private readonly maxHeaderSize: number,
  ) {}

  /** Expect a new response; `noBody` for a HEAD request. */
  reset(noBody: boolean): void {
    this.state = HEAD;
    this.noBody = noBody;
    this.complete = false;
    this.halt = false;
    this.trailers = EMPTY;
    this.keepAlive = false;
    this.keepAliveHintMs = -1;
    this.accLen = 0;
    this.line = '';
  }

  /**
   * Read `buf` from `pos`; returns the offset of the first byte not consumed. The body bytes
   * of one call go to the sink once, at its end: the pieces of a chunked body are moved
   * together inside `buf` (its chunk-size lines dropped), so the twenty small chunks of a
   * stream that came in one read are one piece for the relay, not twenty.
   */
  execute(buf: Buffer, pos: number): number {
    const end = buf.length;
    // The body bytes gathered so far in this call: buf[bodyFrom, bodyTo).
    let bodyFrom = -1;
    let bodyTo = -1;
    loop: while (pos < end && !this.halt) {
      switch (this.state) {
        case HEAD: {
          const next = this.readSection(buf, pos, false);
          if (next === -1) {
            pos = end;
            break loop;
          }
          pos = next;
          // Not kept once read: the parser lives as long as its connection, the text only as long as this response.
          const head = this.section;
          this.section = '';
          this.onHead(head);
          break;
        }
        case BODY_LENGTH: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          bodyFrom = pos;
          bodyTo = pos + n;
          pos += n;
          if (this.remaining === 0) this.finish(EMPTY);
          break;
        }
        case CHUNK_SIZE:
          pos = this.readChunkSize(buf, pos);
          break;
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          if (bodyFrom === -1) {
            bodyFrom = pos;
            bodyTo = pos + n;
          } else {
            // Never ahead of pos: this only closes the gaps the size lines left.
            if (bodyTo !== pos) buf.copyWithin(bodyTo, pos, pos + n);
            bodyTo += n;
          }
          pos += n;
          if (this.remaining === 0) this.state = CHUNK_DATA_CR;
          break;
        }
        case CHUNK_DATA_CR:
          if (buf[pos] !== 13) throw protocolError('HPE_INVALID_CHUNK_SIZE', 'chunk data not followed by CRLF');
          pos++;
          this.state = CHUNK_DATA_LF;
          break;
        case CHUNK_DATA_LF:
          if (buf[pos] !== 10) throw protocolError('HPE_INVALID_CHUNK_SIZE', 'chunk data not followed by CRLF');
          pos++;
          this.state = CHUNK_SIZE;
          break;
        case TRAILERS: {
          const next = this.readSection(buf, pos, true);
          if (next === -1) {
            pos = end;
            break loop;
          }
          pos = next;
          const t: UpstreamHeaders = {};
          const section = this.section;
          this.section = '';
          if (BAD_CONTROL.test(section)) throw protocolError('HPE_INVALID_HEADER_TOKEN', 'invalid character in the response trailers');
          parseFields(section, 0, t);
          this.finish(t);
          break;
        }
        case BODY_UNTIL_CLOSE: {
          bodyFrom = pos;
          bodyTo = end;
          pos = end;
          break;
        }
        default: // DONE: what follows is not ours to read
          break loop;
      }
    }
    if (bodyTo > bodyFrom) this.sink.onBody(bodyFrom === 0 && bodyTo === end ? buf : buf.subarray(bodyFrom, bodyTo));
    return pos;
  }

  /**
   * The connection reached its end (EOF): completes a read-until-close body; otherwise the
   * error that the end stands for.
   */
  eof(): Error | null {
    switch (this.state) {
      case BODY_UNTIL_CLOSE:
        this.finish(EMPTY);
        return null;
      case DONE:
        return null;
      case HEAD:
        return socketClosed(this.accLen > 0 ? 'in the middle of the response head' : 'before the response');
      case BODY_LENGTH:
        return contentLengthMismatch(this.expected, this.expected - this.remaining);
      default:
        return socketClosed('before the chunked body ended');
    }
  }

  private finish(trailers: UpstreamHeaders): void {
    this.state = DONE;
    this.complete = true;
    this.trailers = trailers;
  }

  /**
   * Find the end of a header section (CRLFCRLF; for trailers also a lone CRLF) from `pos`.
   * Returns the offset after it with the section in `this.section`, or -1 when the whole
   * buffer was taken and more is needed.
   */
  private readSection(buf: Buffer, pos: number, trailers: boolean): number {
    const max = this.maxHeaderSize;
    if (this.accLen === 0) {
      if (trailers && buf.length - pos >= 2 && buf[pos] === 13 && buf[pos + 1] === 10) {
        this.section = '';
        return pos + 2;
      }
      const idx = buf.indexOf(CRLF2, pos);
      if (idx !== -1) {
        if (idx - pos > max) throw headersOverflow(max);
        this.section = buf.toString('latin1', pos, idx);
        return idx + 4;
      }
    }
    const prev = this.accLen;
    const take = Math.min(buf.length - pos, max + 4 - prev);
    if (this.acc === null || this.acc.length < prev + take) {
      const grown = Buffer.allocUnsafe(Math.min(max + 4, Math.max(1_024, (prev + take) * 2)));
      if (this.acc !== null) this.acc.copy(grown, 0, 0, prev);
      this.acc = grown;
    }
    buf.copy(this.acc, prev, pos, pos + take);
    this.accLen += take;
    const acc = this.acc.subarray(0, this.accLen);
    let endAt = -1;
    if (trailers && this.accLen >= 2 && acc[0] === 13 && acc[1] === 10) {
      endAt = 2;
      this.section = '';
    } else {
      const idx = acc.indexOf(CRLF2, Math.max(0, prev - 3));
      if (idx !== -1) {
        if (idx > max) throw headersOverflow(max);
        endAt = idx + 4;
        this.section = acc.toString('latin1', 0, idx);
      }
    }
    if (endAt === -1) {
      if (this.accLen >= max + 4) throw headersOverflow(max);
      return -1;
    }
    this.accLen = 0;
    return pos + (endAt - prev);
  }

  private onHead(text: string): void {
    // Status line: HTTP/1.x SP 3DIGIT [SP reason]
    let eol = text.indexOf('\r\n');
    if (eol === -1) eol = text.length;
    if (!text.startsWith('HTTP/1.') || (text.charCodeAt(7) !== 48 && text.charCodeAt(7) !== 49) || text.charCodeAt(8) !== 32) {
      throw protocolError('HPE_INVALID_CONSTANT', 'the response does not start with an HTTP/1.x status line');
    }
    let status = 0;
    for (let i = 9; i < 12; i++) {
      const d = text.charCodeAt(i) - 48;
      if (!(d >= 0 && d <= 9)) throw protocolError('HPE_INVALID_STATUS', 'invalid status code in the response');
      status = status * 10 + d;
    }
    if (eol > 12 && text.charCodeAt(12) !== 32) throw protocolError('HPE_INVALID_STATUS', 'invalid status line in the response');
    if (status < 100) throw protocolError('HPE_INVALID_STATUS', 'invalid status code in the response');
    if (BAD_CONTROL.test(text) || hasBareBreak(text, 0, eol)) throw protocolError('HPE_INVALID_HEADER_TOKEN', 'invalid character in the response head');
    const http11 = text.charCodeAt(7) === 49;
    const headers: UpstreamHeaders = {};
    parseFields(text, eol + 2, headers);

    if (status < 200) {
      // Informational: another head follows. We never ask to switch protocols.
      if (status === 101) throw protocolError('HPE_INVALID_STATUS', 'unexpected 101 Switching Protocols');
      return;
    }
    const connection = joined(headers['connection']);
    if (connection === undefined) this.keepAlive = http11;
    else this.keepAlive = !hasToken(connection, 'close') && (http11 || hasToken(connection, 'keep-alive'));
    const ka = joined(headers['keep-alive']);
    if (ka !== undefined) {
      const m = /(?:^|[\s,])timeout\s*=\s*(\d+)/i.exec(ka);
      if (m) this.keepAliveHintMs = Number(m[1]) * 1000;
    }

    const te = joined(headers['transfer-encoding']);
    const cl = headers['content-length'];
    let length = -1;
    if (cl !== undefined) {
      const first = typeof cl === 'string' ? cl : cl[0]!;
      if (Array.isArray(cl) && cl.some((v) => v !== first)) throw protocolError('HPE_UNEXPECTED_CONTENT_LENGTH', 'conflicting content-length headers');
      if (!/^\d{1,15}$/.test(first)) throw protocolError('HPE_INVALID_CONTENT_LENGTH', `invalid content-length ${JSON.stringify(first)}`);
      length = Number(first);
    }
    if (this.noBody || status === 204 || status === 304) {
      this.finish(EMPTY);
    } else if (te !== undefined) {
      if (cl !== undefined) throw protocolError('HPE_UNEXPECTED_CONTENT_LENGTH', 'both transfer-encoding and content-length in the response');
      const codings = te.toLowerCase().split(',');
      if (codings[codings.length - 1]!.trim() === 'chunked') {
        this.state = CHUNK_SIZE;
      } else {
        // A transfer coding other than a final chunked: the body runs until the close.
        this.state = BODY_UNTIL_CLOSE;
        this.keepAlive = false;
      }
    } else if (length === 0) {
      this.finish(EMPTY);
    } else if (length > 0) {
      this.state = BODY_LENGTH;
      this.expected = this.remaining = length;
    } else {
      this.state = BODY_UNTIL_CLOSE;
      this.keepAlive = false;
    }
    this.sink.onHead(status, headers, eol > 13 ? text.slice(13, eol) : '');
  }

  /** The chunk-size line (hex size, optional extensions, CRLF), possibly in several pieces. */
  private readChunkSize(buf: Buffer, pos: number): number {
    if (this.line === '') {
      // The usual line, `<hex>\r\n` whole in this read, without making a string of it.
      let size = 0;
      let i = pos;
      for (let d; i < buf.length && i - pos < 13 && (d = HEX[buf[i]!]!) >= 0; i++) size = size * 16 + d;
      if (i > pos && i + 1 < buf.length && buf[i] === 13 && buf[i + 1] === 10) {
        this.chunkSize(size);
        return i + 2;
      }
    }
    const lf = buf.indexOf(10, pos);
    if (lf === -1) {
      this.line += buf.toString('latin1', pos);
      if (this.line.length > MAX_CHUNK_LINE) throw protocolError('HPE_INVALID_CHUNK_SIZE', 'chunk size line too long');
      return buf.length;
    }
    let line = this.line + buf.toString('latin1', pos, lf);
    this.line = '';
    if (line.length > MAX_CHUNK_LINE + 1 || line.charCodeAt(line.length - 1) !== 13) throw protocolError('HPE_INVALID_CHUNK_SIZE', 'malformed chunk size line');
    line = line.slice(0, -1);
    const semi = line.indexOf(';');
    let hex = semi === -1 ? line : line.slice(0, semi);
    if (semi !== -1) hex = hex.replace(/[ \t]+$/, ''); // BWS before the extension
    if (!HEX_SIZE.test(hex)) throw protocolError('HPE_INVALID_CHUNK_SIZE', `invalid chunk size ${JSON.stringify(hex.slice(0, 20))}`);
    this.chunkSize(parseInt(hex, 16));
    return lf + 1;
  }

  private chunkSize(size: number): void {
    if (size === 0) this.state = TRAILERS;
    else {
      this.state = CHUNK_DATA;
      this.remaining = size;
    }
  }
}
