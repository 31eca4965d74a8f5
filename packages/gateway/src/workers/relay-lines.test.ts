import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { relayLines } from './relay-lines.js';

describe('relayLines', () => {
  it('writes whole lines only, joining a line split across chunks, and the rest at the end', async () => {
    const from = new PassThrough();
    const writes: string[] = [];
    relayLines(from, { write: (b: Buffer) => writes.push(b.toString()) });
    from.write('{"a":1}\n{"b":');
    from.write('2}\n{"c"');
    from.write(':3}');
    from.write('\n');
    from.end('tail');
    await new Promise((r) => from.on('end', r));
    expect(writes).toEqual(['{"a":1}\n', '{"b":2}\n', '{"c":3}\n', 'tail']);
    for (const w of writes.slice(0, 3)) expect(w.endsWith('\n')).toBe(true);
  });
});
