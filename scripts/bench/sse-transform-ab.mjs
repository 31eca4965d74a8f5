#!/usr/bin/env node
// A/B of two builds' SseTransform (relay/sse-transform.ts) in one process: one upstream read of
// a whole short stream — `--events` chat chunks, the usage chunk the gateway asked for, [DONE] —
// copied out of the socket's buffer as the HTTP/1 client does, then pushed through a new
// transform that reads the usage and drops its chunk (a client that did not ask for usage: the
// OpenAI SDKs' default). Rounds of A and B alternate; the median of each and B/A.
//   node scripts/bench/sse-transform-ab.mjs --a <checkout> [--b .] [--events 20] [--rounds 6] [--keep-usage]
// --a/--b: checkouts whose packages/gateway/dist is built. --keep-usage: a client that asked for usage (nothing dropped).
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { a: { type: 'string' }, b: { type: 'string', default: '.' }, events: { type: 'string', default: '20' }, rounds: { type: 'string', default: '6' }, 'keep-usage': { type: 'boolean', default: false } },
});
if (!values.a) {
  process.stderr.write('usage: node scripts/bench/sse-transform-ab.mjs --a <checkout> [--b .] [--events 20] [--rounds 6] [--keep-usage]\n');
  process.exit(2);
}
const load = (root) => import(path.resolve(root, 'packages/gateway/dist/relay/sse-transform.js'));
const builds = { A: await load(values.a), B: await load(values.b) };

const chunk = (c) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"${c}"},"finish_reason":null}]}\n\n`;
let text = '';
for (let i = 0; i < Number(values.events); i++) text += chunk(`word${i}`);
text += 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":20,"total_tokens":32}}\n\ndata: [DONE]\n\n';
const read = Buffer.from(text);
const drop = !values['keep-usage'];

const N = 50_000;
const results = { A: [], B: [] };
let sink = 0;
for (let r = 0; r < Number(values.rounds); r++) {
  for (const name of r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const { SseTransform } = builds[name];
    const run = () => {
      const t = new SseTransform({ upstreamModel: 'gpt-4o-mini', publicModel: 'gpt-4o-mini', dropUsageChunk: drop, onUsage: () => {} });
      sink += t.push(Buffer.from(read)).length;
    };
    for (let i = 0; i < N / 10; i++) run();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) run();
    results[name].push(Number(process.hrtime.bigint() - t0) / N);
  }
}
const median = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
const a = median(results.A);
const b = median(results.B);
process.stdout.write(`one read of ${values.events} events + usage${drop ? ' (dropped)' : ''} + [DONE], ${read.length} bytes: ns per read (median of ${values.rounds})\n  A ${a.toFixed(0)}  B ${b.toFixed(0)}  B/A ${(b / a).toFixed(3)}${sink < 0 ? ' ' : ''}\n`);
