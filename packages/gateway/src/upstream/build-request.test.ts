import { describe, expect, it } from 'vitest';
import { appendFields } from './build-request.js';

const append = (text: string, fields: Record<string, unknown>) => appendFields(Buffer.from(text), JSON.parse(text) as Record<string, unknown>, fields);

describe('appendFields', () => {
  it('adds the fields at the end of the object, keeping the client bytes before them', () => {
    const text = '{"model":"m","stream":true,"messages":[{"role":"user","content":"hé }"}]}  \n';
    const out = append(text, { stream_options: { include_usage: true } })!;
    expect(out.toString()).toBe('{"model":"m","stream":true,"messages":[{"role":"user","content":"hé }"}],"stream_options":{"include_usage":true}}');
    expect(JSON.parse(out.toString())).toEqual({ ...JSON.parse(text), stream_options: { include_usage: true } });
  });

  it('declines when a field is already there, the object is empty, or the body does not end with it', () => {
    expect(append('{"model":"m","stream_options":{"include_usage":false}}', { stream_options: { include_usage: true } })).toBeNull();
    expect(append('{}', { a: 1 })).toBeNull();
    expect(append(' { } ', { a: 1 })).toBeNull();
    expect(appendFields(Buffer.from('{"a":1}x'), { a: 1 }, { b: 2 })).toBeNull();
  });

  it('gives what a decode and re-encode would, on random objects and spacing', () => {
    let seed = 5;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const values = [1, 'x', 'a"b\\c', null, true, [1, { y: '}' }], { z: { w: [] } }, 'ü€😀'];
    for (let i = 0; i < 300; i++) {
      const obj: Record<string, unknown> = {};
      for (let k = 0, n = 1 + rnd(5); k < n; k++) obj[`k${rnd(10)}`] = values[rnd(values.length)];
      const text = JSON.stringify(obj, null, rnd(3) === 0 ? 2 : undefined) + ' \r\n\t'.slice(0, rnd(5));
      const fields = { [`f${rnd(12)}`]: values[rnd(values.length)] };
      const out = append(text, fields);
      if (Object.hasOwn(obj, Object.keys(fields)[0]!)) expect(out).toBeNull();
      else expect(JSON.parse(out!.toString())).toEqual({ ...obj, ...fields });
    }
  });
});
