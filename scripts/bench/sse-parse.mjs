#!/usr/bin/env node
// Where the gateway frames SSE itself and where it uses eventsource-parser (the well-kept
// library), measured on the same upstream streams, each cut into network-sized reads.
//   node scripts/bench/sse-parse.mjs [--events 20] [--rounds 2000]
// Two jobs:
//   split   — whole events out of a byte stream (what the format converters need):
//             relay/sse-events.ts's SseEventSplitter, which is eventsource-parser (a hand-written
//             splitter it replaced took 32.9 µs for 20 events and 96 µs for 200 against the
//             library's 14.6 and 84.4), and the library alone;
//   relay   — the OpenAI→OpenAI hot path, bytes in and bytes out with `model` renamed and the
//             usage chunk read: relay/sse-transform.ts's SseTransform, which passes the
//             upstream's bytes on untouched, vs eventsource-parser followed by a
//             re-serialisation of every event (what using the library there would take).
import { createParser } from 'eventsource-parser';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { SseEventSplitter } = await import(`${root}packages/gateway/dist/relay/sse-events.js`);
const { SseTransform } = await import(`${root}packages/gateway/dist/relay/sse-transform.js`);

const { values } = parseArgs({ options: { events: { type: 'string', default: '20' }, rounds: { type: 'string', default: '2000' } } });
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);

function stream(n) {
  let s = '';
  for (let i = 0; i < n; i++) {
    s += `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"word ${i} "},"finish_reason":null}]}\n\n`;
  }
  s += 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":20,"total_tokens":29}}\n\n';
  return Buffer.from(`${s}data: [DONE]\n\n`);
}
const bytes = stream(EVENTS);
// Reads of 1460 bytes (one TCP segment each), as a slow upstream would deliver them.
const chunks = [];
for (let i = 0; i < bytes.length; i += 1460) chunks.push(bytes.subarray(i, i + 1460));

function time(name, fn) {
  for (let i = 0; i < 200; i++) fn(); // warm up
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (let i = 0; i < ROUNDS; i++) n += fn();
  const us = Number(process.hrtime.bigint() - t0) / 1000 / ROUNDS;
  return { name, us, n: n / ROUNDS };
}

const decoder = new TextDecoder();
const results = [
  time('split: SseEventSplitter (eventsource-parser)', () => {
    const s = new SseEventSplitter();
    let n = 0;
    for (const c of chunks) n += s.push(c).length;
    return n + s.flush().length;
  }),
  time('split: eventsource-parser alone', () => {
    let n = 0;
    const p = createParser({ onEvent: () => n++ });
    for (const c of chunks) p.feed(decoder.decode(c, { stream: true }));
    return n;
  }),
  time('relay: SseTransform (ours)', () => {
    let out = 0;
    const t = new SseTransform({ upstreamModel: 'gpt-4o-mini', publicModel: 'mini', dropUsageChunk: true, onUsage: () => {}, onErrorEvent: () => {} });
    for (const c of chunks) out += t.push(c)?.length ?? 0;
    return out + (t.flush()?.length ?? 0) > 0 ? 1 : 0;
  }),
  time('relay: eventsource-parser + re-serialise', () => {
    let out = '';
    const p = createParser({
      onEvent: (e) => {
        if (e.data === '[DONE]') return void (out += 'data: [DONE]\n\n');
        const j = JSON.parse(e.data);
        if (j.usage && j.choices.length === 0) return; // the usage chunk the client did not ask for
        j.model = 'mini';
        out += `data: ${JSON.stringify(j)}\n\n`;
      },
    });
    for (const c of chunks) p.feed(decoder.decode(c, { stream: true }));
    return out.length > 0 ? 1 : 0;
  }),
];
console.log(`${EVENTS}-event stream (${bytes.length} bytes in ${chunks.length} reads), ${ROUNDS} rounds, µs per stream:`);
for (const r of results) console.log(`  ${r.name.padEnd(44)} ${r.us.toFixed(1).padStart(8)} µs`);
