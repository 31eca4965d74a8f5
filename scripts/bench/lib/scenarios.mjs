// The benchmark's scenarios. Every target gets byte-identical requests; only the origin (and
// Portkey's routing header) differs. The fake provider is told per request, with the
// `x-fake-behaviour` header the gateway forwards, how many stream events to send.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CHAT_MODEL, EMBED_MODEL } from './stack.mjs';

const CHAT = { model: CHAT_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }] };

/** ≈1 MiB of prose in one user message. */
function megabyteChat() {
  const words = 'the quick brown fox jumps over the lazy dog while the gateway relays every byte ';
  const content = words.repeat(Math.ceil((1 << 20) / words.length)).slice(0, (1 << 20) - 200);
  return { model: CHAT_MODEL, messages: [{ role: 'user', content }] };
}

/**
 * Closed-loop throughput scenarios (wrk).
 * @type {Array<{name: string, title: string, path: string, body: () => object, behaviour?: object, kind: 'throughput'}>}
 */
export const THROUGHPUT = [
  { name: 'chat', title: 'chat, non-stream, small', path: '/v1/chat/completions', body: () => CHAT },
  { name: 'stream20', title: 'chat, stream, 20 chunks', path: '/v1/chat/completions', body: () => ({ ...CHAT, stream: true }), behaviour: { chunks: 20 } },
  { name: 'stream200', title: 'chat, stream, 200 chunks', path: '/v1/chat/completions', body: () => ({ ...CHAT, stream: true }), behaviour: { chunks: 200 } },
  { name: 'embeddings', title: 'embeddings', path: '/v1/embeddings', body: () => ({ model: EMBED_MODEL, input: 'The food was delicious and the waiter was kind.' }) },
  // Fewer connections: 64 MB in flight would measure queueing. promptTokens spares the fake
  // provider from counting a megabyte of words, so the proxies' own body handling shows.
  { name: 'body1mb', title: 'chat, 1 MB request body', path: '/v1/chat/completions', body: megabyteChat, behaviour: { promptTokens: 250000 }, connections: 8 },
].map((s) => ({ ...s, kind: 'throughput' }));

/** Open-loop fixed rate (scripts/bench/fixed-rate.mjs): the latency the gateway adds. */
export const FIXED_RATE = { name: 'fixed-rate', title: 'chat, non-stream, fixed 2,000 req/s', path: '/v1/chat/completions', body: () => CHAT, rate: 2000, kind: 'fixed-rate' };

/** Concurrent slow streams (scripts/bench/slow-streams.mjs): memory and errors. */
export const SLOW = [
  { name: 'slow5k', title: '5,000 concurrent slow streams', conns: 5000 },
  { name: 'slow10k', title: '10,000 concurrent slow streams', conns: 10000 },
].map((s) => ({ ...s, path: '/v1/chat/completions', kind: 'slow' }));

/**
 * Streams as LLMs send them: events one per upstream read, 10 ms apart (stream20 gets its 20
 * events in one read, so it measures what a request costs; this, what an event costs).
 */
export const EVENTS = { name: 'events', title: 'paced streams: 200 at once, 300 events 10 ms apart each', path: '/v1/chat/completions', conns: 200, chunks: 300, delayMs: 10, kind: 'events' };

export const ALL_NAMES = [...THROUGHPUT.map((s) => s.name), FIXED_RATE.name, EVENTS.name, ...SLOW.map((s) => s.name)];

/** Write a scenario's body into `dir`; returns its path. */
export function writeBody(dir, scenario) {
  const file = path.join(dir, `${scenario.name}.json`);
  writeFileSync(file, JSON.stringify(scenario.body()));
  return file;
}

/** Request headers of a scenario against a target. */
export function headersFor(scenario, target, rawKey) {
  const h = { 'content-type': 'application/json', authorization: `Bearer ${rawKey}` };
  if (scenario.behaviour) h['x-fake-behaviour'] = JSON.stringify(scenario.behaviour);
  return { ...h, ...(target.headers ?? {}) };
}
