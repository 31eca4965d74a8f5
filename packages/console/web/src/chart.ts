/// <reference lib="dom" />
import { h, s } from './dom.js';

export interface Series {
  name: string;
  values: number[];
}

const W = 600;
const H = 160;
const PAD = { l: 60, r: 8, t: 8, b: 20 };

function tickLabel(t: number, bucket: 'hour' | 'day'): string {
  const iso = new Date(t).toISOString();
  return bucket === 'hour' ? iso.slice(11, 16) : iso.slice(5, 10);
}

const short = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v >= 1 || v === 0 ? String(Math.round(v * 100) / 100) : v.toPrecision(2));

/**
 * A line chart drawn as SVG (no library): one or two series over time buckets. Its accessible
 * name says what it shows and the totals, so a screen reader (or a test) reads it without seeing it.
 */
export function lineChart(title: string, times: number[], series: Series[], bucket: 'hour' | 'day', format: (v: number) => string = short): HTMLElement {
  const max = Math.max(1e-9, ...series.flatMap((x) => x.values));
  const n = Math.max(times.length - 1, 1);
  const x = (i: number) => PAD.l + (i / n) * (W - PAD.l - PAD.r);
  const y = (v: number) => H - PAD.b - (v / max) * (H - PAD.t - PAD.b);
  const totals = series.map((x) => `${x.name} ${format(x.values.reduce((a, b) => a + b, 0))}`).join(', ');
  const label = `${title} per ${bucket}: ${totals} in total`;
  const every = Math.max(1, Math.ceil(times.length / 6));
  const svg = s(
    'svg',
    { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'none' },
    s('line', { class: 'axis', x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b }),
    s('line', { class: 'axis', x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b }),
    s('text', { x: PAD.l - 4, y: PAD.t + 8, 'text-anchor': 'end' }, format(max)),
    s('text', { x: PAD.l - 4, y: H - PAD.b, 'text-anchor': 'end' }, '0'),
    times.map((t, i) => (i % every === 0 ? s('text', { x: x(i), y: H - 6, 'text-anchor': 'middle' }, tickLabel(t, bucket)) : null)),
    series.map((ser, si) =>
      s('polyline', { class: `s${si}`, points: ser.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ') }, s('title', null, ser.name)),
    ),
  );
  const legend = series.length > 1 ? h('span', { class: 'muted' }, ` (${series.map((x, i) => `${i === 0 ? 'blue' : 'red'}: ${x.name}`).join(', ')})`) : null;
  return h('figure', null, h('figcaption', null, title, legend), svg);
}
