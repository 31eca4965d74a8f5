import { Command } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../../tests/support/redis.js';
import { EncodedScript, RespWriter, type JsonRows } from './encoded-script.js';

const { redis } = useTestRedis();

/** Rows as UsageRows keeps them (each followed by its comma), with `gap` bytes of something else between two rows (separate runs). */
function rowsOf(first: string, list: string[], gap = 0): JsonRows & { list: string[] } {
  const parts: Buffer[] = [];
  const runs: number[] = [];
  let at = 0;
  for (const t of list) {
    const b = Buffer.from(`${t},`);
    if (gap > 0 && at > 0) {
      parts.push(Buffer.alloc(gap, 0x78));
      at += gap;
    }
    parts.push(b);
    if (runs.length > 0 && runs[runs.length - 1] === at) runs[runs.length - 1] = at + b.length;
    else runs.push(at, at + b.length);
    at += b.length;
  }
  return { first, from: Buffer.concat(parts), runs, list };
}
/** The array `[t0,t1,…]` as rows: t0 the first element, the rest rows. */
const texts = (list: string[], gap = 0) => rowsOf(list[0]!, list.slice(1), gap);

/** What ioredis itself writes for the command, the rows given as their joined array. */
function ioredisBytes(name: string, args: Array<string | number | (JsonRows & { list: string[] })>): Buffer {
  const plain = args.map((a) => (typeof a === 'object' ? `[${[a.first, ...a.list].join(',')}]` : a));
  const w = new Command(name, plain).toWritable(undefined as never);
  return typeof w === 'string' ? Buffer.from(w) : w;
}

describe('RespWriter', () => {
  it("writes exactly ioredis's bytes for the same command: numbers, multi-byte keys and rows, rows in separate runs, no rows", () => {
    const cases: Array<Array<string | number | (JsonRows & { list: string[] })>> = [
      ['sha', 2, 'gw:k:{a}', 'gw:k:{a}:ü', 1000, 'a', texts(['{"id":"x"}', '{"model":"mödel ✓"}']), 'name', 42],
      ['sha', 2, 'k', texts(['["c","ö"]', '["a",1]', '["b",2]', '["ü",3]'], 5), 7],
      ['sha', 0, texts(['["only"]'])],
      ['sha', 0, texts(['["ü"]'])],
      ['sha', 1, 'k', texts(['{}'])],
      ['', 0],
    ];
    const w = new RespWriter(16); // smaller than any of them: grows
    for (const args of cases) {
      expect(w.encode('evalsha', args).equals(ioredisBytes('evalsha', args))).toBe(true);
    }
  });

  it('a larger command after a smaller one, and a smaller after a larger: each its own bytes', () => {
    const w = new RespWriter(64);
    const big = texts(Array.from({ length: 500 }, (_, i) => JSON.stringify({ id: `r${i}`, n: i })), 3);
    const small: Array<string | number | (JsonRows & { list: string[] })> = ['sha', 1, 'k', texts(['{"a":1}'])];
    for (const args of [small, ['sha', 1, 'k', big], small]) {
      expect(w.encode('evalsha', args).equals(ioredisBytes('evalsha', args))).toBe(true);
    }
  });
});

const LUA = `redis.call('SET', KEYS[1], ARGV[2]) return ARGV[1]`;

describe('EncodedScript against Redis', () => {
  const viaClient = (s: EncodedScript, key: string, tag: string, payload: JsonRows) =>
    s.call<string>([key], [tag, payload], (c) => redis.sendCommand(c) as Promise<string>, (c) => redis.sendCommand(c) as Promise<string>);

  it('runs the script from its encoded bytes, one call after another reusing the buffer', async () => {
    const s = new EncodedScript(LUA);
    await redis.script('LOAD', LUA);
    expect(await viaClient(s, 'es:a', 'first', texts(['{"n":1}', '{"n":2}']))).toBe('first');
    expect(await redis.get('es:a')).toBe('[{"n":1},{"n":2}]');
    expect(await viaClient(s, 'es:a', 'second', texts(['{"ü":"✓"}']))).toBe('second');
    expect(await redis.get('es:a')).toBe('[{"ü":"✓"}]');
  });

  it('Redis without the script (restarted, a new primary): called again with EVAL, and EVALSHA works after it', async () => {
    const s = new EncodedScript(LUA);
    await redis.script('FLUSH');
    expect(await viaClient(s, 'es:b', 'evaluated', texts(['{"n":3}']))).toBe('evaluated');
    expect(await redis.get('es:b')).toBe('[{"n":3}]');
    expect(await redis.script('EXISTS', s.sha)).toEqual([1]);
    expect(await viaClient(s, 'es:b', 'by sha', texts(['{"n":4}']))).toBe('by sha');
  });

  it('through a pipeline (the Cluster path of a turn)', async () => {
    const s = new EncodedScript(LUA);
    await redis.script('LOAD', LUA);
    const reply = s.call<string>(
      ['es:c'],
      ['piped', texts(['{"n":5}'])],
      (c) => {
        const p = redis.pipeline() as unknown as { sendCommand(c: Command): unknown; exec(): Promise<Array<[Error | null, unknown]> | null> };
        p.sendCommand(c);
        return p.exec().then((res) => {
          const [err, value] = res![0]!;
          if (err) throw err;
          return value as string;
        });
      },
      (c) => redis.sendCommand(c) as Promise<string>,
    );
    expect(await reply).toBe('piped');
    expect(await redis.get('es:c')).toBe('[{"n":5}]');
  });

  it('refuses a second call while one is in flight (its bytes would be overwritten), and takes one after it settles', async () => {
    const s = new EncodedScript(LUA);
    await redis.script('LOAD', LUA);
    const first = viaClient(s, 'es:d', 'one', texts(['{}']));
    expect(() => viaClient(s, 'es:d', 'two', texts(['{}']))).toThrow(/in flight/);
    expect(await first).toBe('one');
    expect(await viaClient(s, 'es:d', 'three', texts(['{}']))).toBe('three');
  });

  it('the buffer is written again only after an answer: a call that ended without one leaves its bytes alone', async () => {
    const s = new EncodedScript(LUA);
    await redis.script('LOAD', LUA);
    const sent: Buffer[] = [];
    const capture = (c: Command) => sent.push(c.toWritable(undefined as never) as Buffer);
    const answered = (c: Command) => (capture(c), redis.sendCommand(c) as Promise<string>);
    // As a command timeout or a lost connection ends a call: the socket may still be sending the bytes.
    const unanswered = (c: Command) => (capture(c), Promise.reject(new Error('Command timed out')));
    const call = (send: (c: Command) => Promise<string>, tag: string) => s.call<string>(['es:e'], [tag, texts(['{}'])], send, send);
    expect(await call(answered, 'a')).toBe('a');
    expect(await call(answered, 'b')).toBe('b');
    await expect(call(unanswered, 'c')).rejects.toThrow(/timed out/);
    expect(await call(answered, 'd')).toBe('d');
    const memory = sent.map((b) => b.buffer);
    expect(memory[1]).toBe(memory[0]); // answered: reused
    expect(memory[2]).toBe(memory[1]);
    expect(memory[3]).not.toBe(memory[2]); // after no answer: a new buffer
    expect(sent[2]!.toString()).toContain('$1\r\nc\r\n'); // the unanswered call's bytes are still its own
  });

  it('a script error reaches the caller as the reply error, and the next call goes on', async () => {
    const s = new EncodedScript(`return redis.error_reply('ERR nope ' .. ARGV[1])`);
    const call = (tag: string) => s.call<string>([], [tag], (c) => redis.sendCommand(c) as Promise<string>, (c) => redis.sendCommand(c) as Promise<string>);
    await expect(call('x')).rejects.toThrow(/nope x/);
    await expect(call('y')).rejects.toThrow(/nope y/);
  });
});
