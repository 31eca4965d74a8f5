#!/usr/bin/env node
// What OutputCapture (the generated text kept for a usage estimate) costs per streamed event:
// the fake provider's own stream of `--chunks` chat chunks, pushed event by event as Buffers
// (as the relay does), then the text read, for 1,000 streams; two builds alternated in one
// process, nanoseconds per event.
//   node scripts/bench/output-capture.mjs [--a /work/wt-base/packages/gateway/dist] [--b packages/gateway/dist] [--chunks 300]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeProvider } from '../../packages/fake-provider/dist/index.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: 'packages/gateway/dist' },
    chunks: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '5' },
  },
});

const fake = await startFakeProvider();
let text;
try {
  const r = await fetch(`${fake.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-fake-behaviour': JSON.stringify({ chunks: Number(values.chunks) }) },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }),
  });
  text = await r.text();
} finally {
  await fake.close();
}
const events = text
  .split('\n\n')
  .filter(Boolean)
  .map((e) => Buffer.from(`${e}\n\n`));

const builds = [];
for (const [name, dir] of values.a ? [['A', values.a], ['B', values.b]] : [['B', values.b]]) {
  const { OutputCapture } = await import(path.resolve(dir, 'governance/output-capture.js'));
  builds.push({ name, OutputCapture, ns: [] });
}
const run = (OutputCapture, n) => {
  let chars = 0;
  for (let i = 0; i < n; i++) {
    const c = new OutputCapture();
    for (const e of events) c.push(e);
    chars += c.text.length;
  }
  return chars;
};
for (const b of builds) run(b.OutputCapture, 200);
const chars = builds.map((b) => run(b.OutputCapture, 1));
if (new Set(chars).size > 1) process.stderr.write(`note: the builds keep different text lengths per stream: ${chars.join(' vs ')}\n`);
for (let r = 0; r < Number(values.rounds); r++) {
  for (const b of r % 2 ? [...builds].reverse() : builds) {
    const t = process.hrtime.bigint();
    run(b.OutputCapture, 1000);
    b.ns.push(Number(process.hrtime.bigint() - t) / (1000 * events.length));
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
process.stdout.write(`${events.length} events of ≈ ${Math.round(text.length / events.length)} bytes per stream: ns per event (median of ${values.rounds})\n`);
for (const b of builds) process.stdout.write(`  ${b.name} ${median(b.ns).toFixed(0)}  (${b.ns.map((x) => x.toFixed(0)).join(', ')})\n`);
if (builds.length === 2) process.stdout.write(`  B/A ${(median(builds[1].ns) / median(builds[0].ns)).toFixed(3)}\n`);
