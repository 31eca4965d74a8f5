#!/usr/bin/env node
// A/B of two builds' upstream call in one process: the HTTP/1 client (upstream/h1) writing the
// request and reading the answer of the fake provider (its own process, so its CPU is not
// counted), and with `--layer relay` (the default) the relay around it (relay/relay-attempt.ts:
// the handler, the client's headers, usage extraction, the SSE transform) writing into an
// in-memory response sink instead of uWS. What is left is the CPU these modules and the
// upstream socket's system calls cost per request, which a shared machine's background load
// moves far less than a socket benchmark through the whole gateway. Batches of A and B
// alternate; the medians of the batches, and B/A.
//   node scripts/bench/upstream-ab.mjs --a /work/wt-base [--b .] [--scenario chat|stream20|large]
//     [--layer relay|client|relay-js] [--batches 16] [--requests 4000] [--concurrency 64] [--tls] [--no-pin]
// `large`: a 256 KiB non-stream answer (bodies larger than one read). `--tls`: the upstream
// behind a TLS terminator (a node:tls server in its own process, in front of the fake provider).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { abLines, alternateBatches } from './lib/batch-ab.mjs';
import * as stack from './lib/stack.mjs';
import { CHAT_MODEL } from './lib/stack.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: '.' },
    scenario: { type: 'string', default: 'chat' },
    layer: { type: 'string', default: 'relay' },
    batches: { type: 'string', default: '16' },
    requests: { type: 'string', default: '4000' },
    concurrency: { type: 'string', default: '64' },
    tls: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: true },
  },
});
const SCENARIOS = {
  chat: { stream: false, behaviour: null },
  stream20: { stream: true, behaviour: { chunks: 20 } },
  // The fake provider takes its content from a header, too small for this: a canned answer.
  large: { stream: false, behaviour: null, canned: 256 * 1_024 },
};
const sc = SCENARIOS[values.scenario];
if (!values.a || !sc || !['relay', 'client', 'relay-js'].includes(values.layer)) {
  process.stderr.write('usage: node scripts/bench/upstream-ab.mjs --a <worktree> [--b <worktree>] [--scenario chat|stream20|large] [--layer relay|client|relay-js] [--batches 16] [--requests 4000] [--concurrency 64] [--tls]\n');
  process.exit(2);
}
const body = Buffer.from(JSON.stringify({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], ...(sc.stream ? { stream: true } : {}) }));
const reqHeaders = { 'content-type': 'application/json', authorization: 'Bearer gw-bench-0123456789abcdef0123456789' };
if (sc.behaviour) reqHeaders['x-fake-behaviour'] = JSON.stringify(sc.behaviour);

/** A TLS terminator in its own process in front of `port`, with a throwaway self-signed certificate for localhost. */
async function startTlsFront(port) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-upstream-ab-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { cwd: dir, stdio: 'ignore' });
  const env = { ...process.env, KEY: readFileSync(path.join(dir, 'k.pem'), 'utf8'), CERT: readFileSync(path.join(dir, 'c.pem'), 'utf8') };
  rmSync(dir, { recursive: true, force: true });
  const code = `
    const tls = require('node:tls'); const net = require('node:net');
    const s = tls.createServer({ key: process.env.KEY, cert: process.env.CERT }, (c) => {
      const u = net.connect(${port}, '127.0.0.1'); c.pipe(u).pipe(c);
      c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
    });
    s.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: s.address().port })));`;
  const proc = spawn(process.execPath, ['-e', code], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) => proc.stdout.once('data', (d) => resolve(String(d))));
  return { port: JSON.parse(line).port, ca: env.CERT, pid: proc.pid, stop: () => proc.kill() };
}

/** An upstream in its own process that answers every request with one canned chat completion of about `size` bytes. */
async function startCanned(size) {
  const code = `
    const net = require('node:net');
    const content = 'All work and no play makes Jack a dull boy. '.repeat(Math.ceil(${size} / 44)).slice(0, ${size});
    const body = JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: '${CHAT_MODEL}', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 8, completion_tokens: 9, total_tokens: 17 } });
    const answer = Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body);
    const s = net.createServer((c) => {
      let buf = '';
      c.on('data', (d) => {
        buf += d.toString('latin1');
        for (;;) {
          const end = buf.indexOf('\\r\\n\\r\\n');
          if (end === -1) return;
          const len = Number(/content-length: *(\\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
          if (buf.length < end + 4 + len) return;
          buf = buf.slice(end + 4 + len);
          c.write(answer);
        }
      });
      c.on('error', () => {});
    });
    s.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: s.address().port })));`;
  const proc = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) => proc.stdout.once('data', (d) => resolve(String(d))));
  const port = JSON.parse(line).port;
  return { port, origin: `http://127.0.0.1:${port}`, pid: proc.pid, stop: () => proc.kill() };
}

const fake = sc.canned ? await startCanned(sc.canned) : await stack.startFake();
const front = values.tls ? await startTlsFront(fake.port) : null;
// This process on one core, the upstream (and the TLS terminator) on the other: otherwise the
// batches split into two modes by whether the scheduler put both on the same core.
if (values.pin) {
  execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
  for (const pid of [fake.pid, front?.pid]) if (pid) execFileSync('taskset', ['-acp', '1', String(pid)], { stdio: 'ignore' });
}
const origin = front ? `https://localhost:${front.port}` : fake.origin;

/** One build's upstream call, as forward.ts makes it. */
async function load(root) {
  const dist = (p) => import(pathToFileURL(path.resolve(root, 'packages', p)).href);
  const core = await dist('core/dist/index.js');
  const { H1Agent } = await dist('gateway/dist/upstream/h1/agent.js');
  const { runAttempt } = await dist('gateway/dist/relay/relay-attempt.js');
  const { buildUpstreamRequest } = await dist('gateway/dist/upstream/build-request.js');
  const { createContext } = await dist('gateway/dist/request-context.js');
  const { ENDPOINTS } = await dist('gateway/dist/api/endpoints.js');
  const { pino } = await import('pino');
  const log = pino({ level: 'silent' });
  const agent = new H1Agent({ connectTimeoutMs: 5_000, keepAliveMs: 60_000, ...(front ? { tls: { ca: front.ca } } : {}) });
  const provider = core.ProviderSchema.parse({ name: 'fake', base_url: `${origin}/v1`, secrets: ['sk-bench-upstream-secret-0001'] });
  const target = { provider, model: CHAT_MODEL, weight: 1, priority: 0 };
  const endpoint = ENDPOINTS.get('/chat/completions');
  const req = { method: 'POST', path: '/v1/chat/completions', query: '', headers: reqHeaders, body, receivedAt: 0 };
  const parsed = JSON.parse(String(body));
  const timeouts = { firstByteMs: 30_000, idleMs: 30_000, totalMs: 60_000 };
  let bytes = 0;
  /** The client's side, in memory: what uWS would be handed. */
  const sink = () => ({
    aborted: false,
    headersSent: false,
    onAbort() {},
    send(_s, _h, b) {
      this.headersSent = true;
      bytes += b.length;
    },
    writeHead() {
      this.headersSent = true;
    },
    write(c) {
      bytes += c.length;
      return true;
    },
    onDrain() {},
    end(c) {
      if (c) bytes += c.length;
    },
    batch(fn) {
      fn();
    },
  });
  /**
   * `--layer relay-js`: the relay over an in-memory upstream that replays the fake provider's
   * answer (recorded once through the real client) a microtask after the dispatch, its body
   * copied per request as our client copies it out of its read buffer. No socket at all: the
   * relay's JavaScript alone, as steady as stages-ab.
   */
  let replay = null;
  const memory = {
    dispatch(_opts, handler) {
      const ctl = { pause() {}, resume() {}, abort() {} };
      queueMicrotask(() => {
        handler.onRequestStart?.(ctl, undefined);
        handler.onResponseStart?.(ctl, replay.status, { ...replay.headers }, 'OK');
        for (const piece of replay.pieces) handler.onResponseData?.(ctl, Buffer.from(piece));
        handler.onResponseEnd?.(ctl, {});
      });
      return true;
    },
  };
  let n = 0;
  async function relay() {
    const ctx = createContext(`r${n++}`, req, sink(), endpoint, log);
    ctx.body = parsed;
    ctx.publicModel = CHAT_MODEL;
    ctx.stream = sc.stream;
    const out = await runAttempt(ctx, replay ? memory : agent, { target, request: buildUpstreamRequest(ctx, target, 'sk-bench-upstream-secret-0001', sc.stream ? { stream_options: { include_usage: true } } : null), timeouts, clientWantsUsage: false, secrets: provider.secrets });
    if (out.kind !== 'relayed' || ctx.status !== 200) throw new Error(`attempt ${out.kind} ${ctx.status} ${out.error?.message ?? ''}`);
  }
  const dispatchOpts = { origin, path: '/v1/chat/completions', method: 'POST', headers: { ...reqHeaders, 'x-request-id': 'r' }, body, headersTimeout: 30_000, bodyTimeout: 30_000 };
  function client() {
    return new Promise((resolve, reject) => {
      agent.dispatch(dispatchOpts, {
        onResponseStart(_c, status) {
          if (status !== 200) reject(new Error(`status ${status}`));
        },
        onResponseData(_c, chunk) {
          bytes += chunk.length;
        },
        onResponseEnd: resolve,
        onResponseError: (_c, e) => reject(e instanceof Error ? e : new Error(String(e))),
      });
    });
  }
  if (values.layer === 'relay-js') {
    const pieces = [];
    replay = await new Promise((resolve, reject) => {
      let head;
      agent.dispatch({ ...dispatchOpts, body: buildUpstreamRequest(Object.assign(createContext('r', req, sink(), endpoint, log), { body: parsed, publicModel: CHAT_MODEL, stream: sc.stream }), target, 'sk', sc.stream ? { stream_options: { include_usage: true } } : null).body }, {
        onResponseStart: (_c, status, headers) => void (head = { status, headers }),
        onResponseData: (_c, chunk) => void pieces.push(Buffer.from(chunk)),
        onResponseEnd: () => resolve({ ...head, pieces }),
        onResponseError: (_c, e) => reject(e instanceof Error ? e : new Error(String(e))),
      });
    });
  }
  const run = values.layer === 'client' ? client : relay;
  await run();
  return { run, agent, bytes: () => bytes };
}

const sides = { A: await load(values.a), B: await load(values.b) };

const n = Number(values.requests);
const c = Number(values.concurrency);
let us;
try {
  us = await alternateBatches({ A: sides.A.run, B: sides.B.run }, { batches: Number(values.batches), requests: n, inFlight: c });
  // Every answer reached the (in-memory) client.
  for (const [name, s] of Object.entries(sides)) if (s.bytes() === 0) throw new Error(`${name}: no response bytes`);
} finally {
  for (const s of Object.values(sides)) await s.agent.destroy();
  front?.stop();
  await fake.stop();
}
if (process.env.UPSTREAM_AB_DUMP) process.stderr.write(`${JSON.stringify(us.A.map((x) => +x.toFixed(1)))}\n${JSON.stringify(us.B.map((x) => +x.toFixed(1)))}\n`);
process.stdout.write(
  `${{ relay: 'relay + upstream client', client: 'upstream client', 'relay-js': 'relay over an in-memory upstream' }[values.layer]}, ${values.scenario}${values.tls ? ' over TLS' : ''}, ${c} in flight, CPU µs per request (median of ${us.A.length} batches of ${n}):\n` +
    abLines(us, { digits: 2 }),
);
