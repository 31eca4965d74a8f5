// A minimal HTTP/1.1 client over one keep-alive socket, for the benchmark's own load
// clients (fixed-rate latency, thousands of slow streams): far less CPU and memory per
// connection than a general client, and it measures from the moment the request is written.
// It parses what the benchmark targets send: status line, headers, then a Content-Length or
// chunked body.
import net from 'node:net';

const CRLF2 = Buffer.from('\r\n\r\n');

/** Serialise a request once; it is written as is for every send. */
export function buildRequest({ method = 'POST', path, host, headers = {}, body }) {
  const b = typeof body === 'string' ? Buffer.from(body) : (body ?? Buffer.alloc(0));
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\ncontent-length: ${b.length}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return Buffer.concat([Buffer.from(head + '\r\n'), b]);
}

/**
 * One connection; `send` one request at a time. Callbacks of the exchange in flight:
 * onHeaders(status), onBody(chunk) for every piece of the de-chunked body, onEnd(), onError(err).
 */
export class RawConnection {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.sock = null;
    this.connected = false;
    this.cur = null;
    this.closed = false;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.host, port: this.port, noDelay: true });
      this.sock = s;
      s.once('connect', () => {
        this.connected = true;
        resolve();
      });
      s.on('error', (e) => {
        if (!this.connected) reject(e);
        this.fail(e);
      });
      s.on('close', () => {
        this.connected = false;
        this.closed = true;
        this.fail(new Error('connection closed'));
      });
      s.on('data', (d) => this.onData(d));
    });
  }

  get busy() {
    return this.cur !== null;
  }

  /** Write `reqBuf` and parse its response. */
  send(reqBuf, cb) {
    if (this.cur) throw new Error('RawConnection: one request at a time');
    this.cur = { cb, state: 'head', head: null, status: 0, left: 0, chunked: false, chunkLeft: -1, line: '' };
    this.sock.write(reqBuf);
  }

  close() {
    this.closed = true;
    this.sock?.destroy();
  }

  fail(err) {
    const c = this.cur;
    if (!c) return;
    this.cur = null;
    c.cb.onError?.(err);
  }

  finish() {
    const c = this.cur;
    this.cur = null;
    c.cb.onEnd?.();
  }

  onData(d) {
    const c = this.cur;
    if (!c) return;
    let buf = d;
    if (c.state === 'head') {
      buf = c.head ? Buffer.concat([c.head, d]) : d;
      const end = buf.indexOf(CRLF2);
      if (end < 0) {
        c.head = buf;
        return;
      }
      const head = buf.toString('latin1', 0, end);
      c.status = Number(head.slice(9, 12));
      const lower = head.toLowerCase();
      const cl = /\r\ncontent-length:\s*(\d+)/.exec(lower);
      c.chunked = /\r\ntransfer-encoding:[^\r]*chunked/.test(lower);
      c.left = cl ? Number(cl[1]) : 0;
      c.state = 'body';
      c.cb.onHeaders?.(c.status);
      buf = buf.subarray(end + 4);
      if (!c.chunked && c.left === 0) return this.finish();
    }
    if (!c.chunked) {
      const n = Math.min(buf.length, c.left);
      if (n > 0) c.cb.onBody?.(buf.subarray(0, n));
      c.left -= n;
      if (c.left === 0) this.finish();
      return;
    }
    this.chunked(c, buf);
  }

  /** Chunked transfer coding: size line, data, CRLF; a 0 size and an empty line end it. */
  chunked(c, buf) {
    let i = 0;
    while (i < buf.length && this.cur === c) {
      if (c.chunkLeft > 0) {
        const n = Math.min(buf.length - i, c.chunkLeft);
        c.cb.onBody?.(buf.subarray(i, i + n));
        c.chunkLeft -= n;
        i += n;
        if (c.chunkLeft === 0) c.chunkLeft = -2; // expect CRLF
        continue;
      }
      const nl = buf.indexOf(10, i);
      if (nl < 0) {
        c.line += buf.toString('latin1', i);
        return;
      }
      const line = (c.line + buf.toString('latin1', i, nl)).trim();
      c.line = '';
      i = nl + 1;
      if (c.chunkLeft === -2) {
        c.chunkLeft = -1; // the CRLF after a chunk's data
        continue;
      }
      if (c.chunkLeft === -3) {
        if (line === '') this.finish(); // end of trailers
        continue;
      }
      const size = parseInt(line, 16);
      if (Number.isNaN(size)) return this.fail(new Error(`bad chunk size line ${JSON.stringify(line)}`));
      c.chunkLeft = size === 0 ? -3 : size;
    }
  }
}
