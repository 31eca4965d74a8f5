import { describe, expect, it } from 'vitest';
import type { UpstreamHeaders } from '../dispatcher.js';
import { ResponseParser } from './response-parser.js';

interface Parsed {
  status: number;
  reason: string;
  headers: UpstreamHeaders;
  body: string;
  trailers: UpstreamHeaders;
  complete: boolean;
  keepAlive: boolean;
  keepAliveHintMs: number;
  /** Bytes left after the response in the last piece. */
  leftover: number;
  error?: string;
}

/** Feed `pieces` one after another, as separate socket reads; `eof` = the connection then ends. */
function parse(pieces: Buffer[], o: { noBody?: boolean; eof?: boolean; maxHeaderSize?: number } = {}): Parsed {
  const out: Parsed = { status: 0, reason: '', headers: {}, body: '', trailers: {}, complete: false, keepAlive: false, keepAliveHintMs: -1, leftover: 0 };
  let heads = 0;
  const p = new ResponseParser(
    {
      onHead(status, headers, reason) {
        heads++;
        Object.assign(out, { status, headers, reason });
      },
      onBody(chunk) {
        out.body += chunk.toString('latin1');
      },
    },
    o.maxHeaderSize ?? 64 * 1024,
  );
  p.reset(o.noBody ?? false);
  try {
    for (const piece of pieces) {
      const n = p.execute(piece, 0);
      out.leftover = piece.length - n;
      if (p.complete) break;
    }
    if (o.eof && !p.complete) {
      const e = p.eof();
      if (e) throw e;
    }
  } catch (e) {
    out.error = (e as Error & { code: string }).code;
  }
  expect(heads).toBeLessThanOrEqual(1);
  return { ...out, complete: p.complete, trailers: { ...p.trailers }, keepAlive: p.keepAlive, keepAliveHintMs: p.keepAliveHintMs, headers: { ...out.headers } };
}

/** Every way to cut `text` in two, and byte by byte. */
function splits(text: string): Buffer[][] {
  const b = Buffer.from(text, 'latin1');
  const out: Buffer[][] = [[b]];
  for (let i = 1; i < b.length; i++) out.push([b.subarray(0, i), b.subarray(i)]);
  out.push([...b].map((x) => Buffer.from([x])));
  return out;
}

/** The result is the same however the bytes are cut. */
function parseEveryWay(text: string, o: Parameters<typeof parse>[1] = {}): Parsed {
  // Each parse gets its own copy: the parser may move body bytes within the buffer it reads.
  const [first, ...rest] = splits(text).map((pieces) => parse(pieces.map((b) => Buffer.from(b)), o));
  for (const r of rest) expect({ ...r, leftover: 0 }).toEqual({ ...first!, leftover: 0 });
  return first!;
}

describe('ResponseParser', () => {
  it('reads a content-length response', () => {
    const r = parseEveryWay('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  v w \t\r\nx-empty:\r\n\r\nhello');
    expect(r).toMatchObject({ status: 200, reason: 'OK', body: 'hello', complete: true, keepAlive: true });
    expect(r.error).toBeUndefined();
    expect(r.headers).toEqual({ 'content-length': '5', 'x-a': 'v w', 'x-empty': '' });
  });

  it('reads a chunked response with extensions, BWS and trailers', () => {
    const r = parseEveryWay('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=1;b\r\nhello\r\n1 ;x="y"\r\n \r\nA\r\n0123456789\r\n0;last\r\nX-T: 1\r\nx-t: 2\r\nX-U: u\r\n\r\n');
    expect(r).toMatchObject({ status: 200, body: 'hello 0123456789', complete: true, keepAlive: true });
    expect(r.trailers).toEqual({ 'x-t': ['1', '2'], 'x-u': 'u' });
  });

  it('reads a chunked response without trailers', () => {
    expect(parseEveryWay('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')).toMatchObject({ body: 'abc', complete: true, trailers: {} });
  });

  it('skips informational heads', () => {
    const r = parseEveryWay('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok');
    expect(r).toMatchObject({ status: 201, reason: 'Created', body: 'ok', complete: true });
    expect(r.headers).toEqual({ 'content-length': '2' });
  });

  it('expects no body after HEAD, 204 and 304', () => {
    expect(parseEveryWay('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n', { noBody: true })).toMatchObject({ complete: true, body: '', keepAlive: true });
    expect(parseEveryWay('HTTP/1.1 204 No Content\r\n\r\n')).toMatchObject({ status: 204, complete: true, body: '' });
    expect(parseEveryWay('HTTP/1.1 304 Not Modified\r\ntransfer-encoding: chunked\r\n\r\n')).toMatchObject({ status: 304, complete: true });
  });

  it('reads a body without framing until the end of the connection', () => {
    const r = parseEveryWay('HTTP/1.1 200 OK\r\n\r\nall of it', { eof: true });
    expect(r).toMatchObject({ body: 'all of it', complete: true, keepAlive: false });
    expect(parseEveryWay('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\nzipped', { eof: true })).toMatchObject({ body: 'zipped', complete: true, keepAlive: false });
  });

  it('stops at the end of the response and says what is left', () => {
    const r = parse([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n')]);
    expect(r).toMatchObject({ body: 'ok', complete: true, leftover: 'HTTP/1.1 200 OK\r\n'.length });
  });

  it('reads keep-alive from the version and the Connection header, and the Keep-Alive timeout', () => {
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n')]).keepAlive).toBe(false);
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\ncontent-length: 0\r\n\r\n')]).keepAlive).toBe(false);
    expect(parse([Buffer.from('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n')]).keepAlive).toBe(false);
    const r = parse([Buffer.from('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5, max=100\r\ncontent-length: 0\r\n\r\n')]);
    expect([r.keepAlive, r.keepAliveHintMs]).toEqual([true, 5_000]);
    expect(parse([Buffer.from('HTTP/1.1 200\r\ncontent-length: 0\r\n\r\n')])).toMatchObject({ status: 200, reason: '', complete: true });
  });

  it.each([
    ['a head cut by the end', 'HTTP/1.1 200 OK\r\ncontent-le', 'UND_ERR_SOCKET'],
    ['nothing at all', '', 'UND_ERR_SOCKET'],
    ['a short content-length body', 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'],
    ['a chunked body cut in a chunk', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab', 'UND_ERR_SOCKET'],
    ['a chunked body cut before the last chunk', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n', 'UND_ERR_SOCKET'],
  ])('fails when the connection ends in %s', (_what, text, code) => {
    expect(parse(text ? [Buffer.from(text)] : [], { eof: true }).error).toBe(code);
  });

  it.each([
    ['both transfer-encoding and content-length', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['conflicting content-lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['a content-length that is not a number', 'HTTP/1.1 200 OK\r\ncontent-length: 3x\r\n\r\nabc', 'HPE_INVALID_CONTENT_LENGTH'],
    ['a content-length list', 'HTTP/1.1 200 OK\r\ncontent-length: 3, 3\r\n\r\nabc', 'HPE_INVALID_CONTENT_LENGTH'],
    ['an obs-fold line', 'HTTP/1.1 200 OK\r\nx-a: 1\r\n folded\r\ncontent-length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a bare LF in the head', 'HTTP/1.1 200 OK\r\nx-a: 1\nx-b: 2\r\ncontent-length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a bare CR in a value', 'HTTP/1.1 200 OK\r\nx-a: 1\rx\r\ncontent-length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a NUL in a value', 'HTTP/1.1 200 OK\r\nx-a: 1\0\r\ncontent-length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a space before the colon', 'HTTP/1.1 200 OK\r\ncontent-length : 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a line without a colon', 'HTTP/1.1 200 OK\r\nnonsense\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['HTTP/2 on the status line', 'HTTP/2 200 OK\r\n\r\n', 'HPE_INVALID_CONSTANT'],
    ['something else than HTTP', 'SSH-2.0-OpenSSH_9.2\r\n\r\n', 'HPE_INVALID_CONSTANT'],
    ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['no space after the status', 'HTTP/1.1 200OK\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['a 101 nobody asked for', 'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['an empty chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n\r\nabc\r\n0\r\n\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['a chunk size too large', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n12345678901234\r\nabc\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['a chunk size line ended by LF alone', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['chunk data longer than its size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['a chunk extension without end', `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;${'x'.repeat(5_000)}`, 'HPE_INVALID_CHUNK_SIZE'],
  ])('refuses %s', (_what, text, code) => {
    for (const pieces of splits(text)) expect(parse(pieces).error).toBe(code);
  });

  it('refuses a head or trailer section over the size limit, however it arrives', () => {
    const big = `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(200)}\r\ncontent-length: 0\r\n\r\n`;
    for (const pieces of splits(big)) expect(parse(pieces, { maxHeaderSize: 128 }).error).toBe('UND_ERR_HEADERS_OVERFLOW');
    const endless = Buffer.alloc(300, 'a');
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nx: '), endless, endless], { maxHeaderSize: 128 }).error).toBe('UND_ERR_HEADERS_OVERFLOW');
    const trailers = `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx-t: ${'t'.repeat(200)}\r\n\r\n`;
    expect(parse([Buffer.from(trailers)], { maxHeaderSize: 128 }).error).toBe('UND_ERR_HEADERS_OVERFLOW');
    // Just under the limit is fine.
    expect(parse([Buffer.from(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(100)}\r\n\r\n`)], { maxHeaderSize: 128, eof: true }).complete).toBe(true);
  });

  it('gives a header named like an Object property as a plain value', () => {
    const r = parse([Buffer.from('HTTP/1.1 200 OK\r\nconstructor: a\r\n__proto__: b\r\ntoString: c\r\ncontent-length: 0\r\n\r\n')]);
    expect(r.headers['constructor']).toBe('a');
    expect(r.headers['__proto__']).toBe('b');
    expect(r.headers['tostring']).toBe('c');
  });

  it('stops after a callback when halted, and goes on from where it stopped', () => {
    const text = Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n');
    const got: string[] = [];
    const p: ResponseParser = new ResponseParser(
      {
        onHead: () => {
          got.push('head');
          p.halt = true;
        },
        onBody: (c) => got.push(c.toString()),
      },
      1024,
    );
    p.reset(false);
    let pos = p.execute(text, 0);
    expect(got).toEqual(['head']);
    expect(text.subarray(pos).toString()).toBe('1\r\na\r\n1\r\nb\r\n0\r\n\r\n');
    p.halt = false;
    pos = p.execute(text, pos);
    expect(got).toEqual(['head', 'ab']);
    expect(p.complete).toBe(true);
    expect(pos).toBe(text.length);
  });

  it('hands the chunks of one read to the sink as one piece, moved together in place', () => {
    const chunks = Array.from({ length: 20 }, (_, i) => `data: {"n":${i}}\n\n`);
    const wire = Buffer.from(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('')}0\r\n\r\n`);
    const got: Buffer[] = [];
    const p = new ResponseParser({ onHead: () => {}, onBody: (c) => got.push(c) }, 1024);
    p.reset(false);
    expect(p.execute(wire, 0)).toBe(wire.length);
    expect(got).toHaveLength(1);
    expect(got[0]!.toString()).toBe(chunks.join(''));
    expect(got[0]!.buffer).toBe(wire.buffer); // a view, not a copy
    expect(p.complete).toBe(true);
  });

  it('gives the same body whatever the reads and chunk sizes (against a plain de-chunker)', () => {
    let seed = 9;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 200; round++) {
      const body = Buffer.from(Array.from({ length: rnd(3000) }, () => String.fromCharCode(32 + rnd(90))).join(''));
      let wire = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n';
      for (let at = 0; at < body.length; ) {
        const n = Math.min(body.length - at, 1 + rnd(300));
        wire += `${n.toString(16)}${rnd(4) === 0 ? ';ext=1' : ''}\r\n${body.subarray(at, at + n).toString('latin1')}\r\n`;
        at += n;
      }
      const bytes = Buffer.from(`${wire}0\r\n\r\n`, 'latin1');
      const pieces: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const n = rnd(3) === 0 ? bytes.length : 1 + rnd(700);
        pieces.push(Buffer.from(bytes.subarray(at, at + n)));
        at += n;
      }
      const r = parse(pieces);
      expect(r.error).toBeUndefined();
      expect(r.complete).toBe(true);
      expect(r.body).toBe(body.toString('latin1'));
    }
  });
});
