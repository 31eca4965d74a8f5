import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PlainCounter, PlainHistogram } from './plain-metrics.js';

/** Sample lines of a rendering, sorted, without comments. */
const samples = (text: string) =>
  text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .sort();

describe('plain metrics render exactly as prom-client does', () => {
  it('histogram: cumulative buckets, +Inf, sum and count per series', async () => {
    const bounds = [0.001, 0.01, 0.1, 1];
    const a = new Registry();
    const b = new Registry();
    const ref = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['endpoint', 'stream'], buckets: bounds, registers: [a] });
    const mine = new PlainHistogram('h_seconds', 'h', ['endpoint', 'stream'], bounds, b);
    const obs: Array<[string, string, number]> = [
      ['/x', 'true', 0.0005],
      ['/x', 'true', 0.001],
      ['/x', 'true', 0.05],
      ['/x', 'false', 3],
      ['/y', 'false', 0.2],
    ];
    for (const [e, s, v] of obs) {
      ref.labels(e, s).observe(v);
      mine.labels(e, s).observe(v);
    }
    expect(samples(await b.metrics())).toEqual(samples(await a.metrics()));
    expect(await b.metrics()).toContain('# TYPE h_seconds histogram');
  });

  it('counter: one line per series with its labels', async () => {
    const a = new Registry();
    const b = new Registry();
    const ref = new Counter({ name: 'c_total', help: 'c', labelNames: ['model', 'direction'], registers: [a] });
    const mine = new PlainCounter('c_total', 'c', ['model', 'direction'], b);
    ref.labels('m "1"', 'in').inc(3);
    mine.labels('m "1"', 'in').inc(3);
    ref.labels('m2', 'out').inc();
    mine.labels('m2', 'out').inc();
    mine.labels('m2', 'out').inc(0.5);
    ref.labels('m2', 'out').inc(0.5);
    expect(samples(await b.metrics())).toEqual(samples(await a.metrics()));
  });

  it('refuses a wrong number of label values', () => {
    const c = new PlainCounter('x_total', 'x', ['a', 'b'], new Registry());
    expect(() => c.labels('only-one')).toThrow(/expected 2 label values/);
  });
});
