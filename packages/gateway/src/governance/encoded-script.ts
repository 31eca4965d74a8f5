import { createHash } from 'node:crypto';
import { Command } from 'ioredis';

/**
 * One argument of an encoded command: a string, a number, or a JSON array whose rows are bytes
 * already (one bulk string `[first,row,row,…]`: the array itself is never made as a string).
 */
export type EncodedArg = string | number | JsonRows;

/** A JSON array of `first` then rows kept as bytes (UsageRows: each row followed by its comma). */
export interface JsonRows {
  /** The array's first element, as JSON text. */
  first: string;
  /** The buffer the rows are in. */
  from: Buffer;
  /** Runs of rows in `from`, as `start, end` pairs; each row in a run ends with its comma. */
  runs: readonly number[];
}

/** Bytes one argument takes in the command: its UTF-8 length. */
function argBytes(a: string | number): number {
  return typeof a === 'number' ? String(a).length : Buffer.byteLength(a);
}

/**
 * A command's RESP bytes, written into one Buffer kept from command to command. ioredis writes
 * a command that has a Buffer argument by concatenating every part into a new Buffer, and a
 * large argument given as a Buffer was a fresh Buffer itself: for a usage batch (≈ 90 KB under
 * load) two fresh copies per write, whose pages the kernel maps in afresh (the largest source of
 * the gateway's page faults, docs/performance.md). Here the bytes are written once, into memory
 * that stays mapped.
 */
export class RespWriter {
  private buf: Buffer;
  private at = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(size);
  }

  /** The bytes of `name` with `args`, valid until the next `encode`. */
  encode(name: string, args: readonly EncodedArg[]): Buffer {
    this.at = 0;
    // Small arguments are gathered into one string and written with one call.
    let head = `*${args.length + 1}\r\n$${name.length}\r\n${name}\r\n`;
    for (const a of args) {
      if (typeof a === 'object') {
        this.text(head);
        head = '';
        this.rows(a);
      } else {
        const s = typeof a === 'number' ? String(a) : a;
        head += `$${argBytes(s)}\r\n${s}\r\n`;
      }
    }
    this.text(head);
    return this.buf.subarray(0, this.at);
  }

  private rows({ first, from, runs }: JsonRows): void {
    const firstBytes = Buffer.byteLength(first);
    let rowBytes = 0;
    for (let i = 0; i < runs.length; i += 2) rowBytes += runs[i + 1]! - runs[i]!;
    // `[`, the first element, `,` and the rows but the last row's comma, `]`.
    const total = firstBytes + rowBytes + 2;
    this.text(`$${total}\r\n[`);
    this.room(total + 2);
    const buf = this.buf;
    this.at += buf.write(first, this.at, firstBytes === first.length ? 'latin1' : 'utf8');
    if (rowBytes === 0) buf[this.at++] = 0x5d; // ]
    else {
      buf[this.at++] = 0x2c; // ,
      for (let i = 0; i < runs.length; i += 2) this.at += from.copy(buf, this.at, runs[i], runs[i + 1]);
      buf[this.at - 1] = 0x5d; // the last row's comma becomes the array's end
    }
    buf[this.at++] = 0x0d;
    buf[this.at++] = 0x0a;
  }

  private text(s: string): void {
    if (s.length === 0) return;
    this.room(s.length * 3);
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  /** At least `n` more bytes after `at`: a bigger buffer (kept from then on) when needed. */
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
}

/** A command whose bytes were encoded before: ioredis writes them as they are (also when it sends it again after a reconnect). */
class EncodedCommand extends Command {
  constructor(
    name: string,
    keyArgs: Array<string | number>,
    private readonly bytes: Buffer,
  ) {
    // The arguments ioredis keeps are those it reads keys from (Cluster slots), not the payload.
    super(name, keyArgs, { replyEncoding: 'utf8' });
  }

  override toWritable(): Buffer {
    return this.bytes;
  }
}

/**
 * A Lua script called with EVALSHA from bytes encoded into a reused buffer (`RespWriter`), one
 * call at a time. The buffer is written again only after Redis answered the call before, so
 * every byte of it had left the process: until then ioredis may write the command again (after
 * a reconnect), and the socket may still be sending it. A call that ends without an answer (a
 * timeout, a lost connection) leaves its buffer to the socket that may still hold it: the next
 * call encodes into a new one. When Redis does not have the script (it restarted, or it failed
 * over to a replica that never ran it) the call is made again with EVAL, from a buffer of its own.
 */
export class EncodedScript {
  readonly sha: string;
  private writer = new RespWriter();
  private busy = false;

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /**
   * Call it with `keys` and `args` through `send`, which hands the command to its target and
   * returns the reply (a client's command promise, or the reply a pipeline gives it);
   * `again` sends the EVAL form after a NOSCRIPT reply (straight to the client).
   */
  call<T>(keys: readonly string[], args: readonly EncodedArg[], send: (c: Command) => Promise<T>, again: (c: Command) => Promise<T>): Promise<T> {
    if (this.busy) throw new Error('EncodedScript: a call is still in flight (one at a time)');
    this.busy = true;
    const keyArgs = [this.sha, keys.length, ...keys];
    const bytes = this.writer.encode('evalsha', [...keyArgs, ...args]);
    return send(new EncodedCommand('evalsha', keyArgs, bytes))
      .catch((e: unknown) => {
        // Not a reply: the bytes may still be in the socket's queue.
        if (!(e instanceof Error) || e.name !== 'ReplyError') this.writer = new RespWriter();
        if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
        const evalArgs = [this.lua, keys.length, ...keys];
        return again(new EncodedCommand('eval', evalArgs, new RespWriter(bytes.length + this.lua.length + 64).encode('eval', [...evalArgs, ...args])));
      })
      .finally(() => {
        this.busy = false;
      });
  }
}
