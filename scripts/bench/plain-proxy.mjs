#!/usr/bin/env node
// The "plain proxy" reference of the benchmark: uWebSockets.js in front, undici behind, and
// nothing else — no auth, no routing, no JSON parsing, no usage accounting. The gap between
// this and the gateway is what the pipeline costs; the gap between this and nginx is what
// Node + uWS + undici cost. Prints {"port":N} when it listens.
//   node scripts/bench/plain-proxy.mjs --port N --upstream http://127.0.0.1:P
import { createRequire } from 'node:module';
import { Pool } from 'undici';
import { cliOpt } from './lib/cli-opt.mjs';
import { HOP, statusLine } from './lib/proxy-head.mjs';

const require = createRequire(import.meta.url);
const uWS = require('uWebSockets.js');

const opt = cliOpt();
const upstream = opt('upstream');
if (!upstream) {
  process.stderr.write('plain-proxy: --upstream is required\n');
  process.exit(2);
}
const pool = new Pool(upstream, { connections: null, pipelining: 1, keepAliveTimeout: 30_000 });

const app = uWS.App();
app.any('/*', (res, req) => {
  // uWS keeps one onAborted handler per response: one state object serves both phases.
  const state = { aborted: false, onAbort: null };
  res.onAborted(() => {
    state.aborted = true;
    state.onAbort?.();
  });
  const method = req.getMethod().toUpperCase();
  const q = req.getQuery();
  const path = req.getUrl() + (q ? `?${q}` : '');
  const headers = {};
  req.forEach((k, v) => {
    if (!HOP.has(k)) headers[k] = v;
  });
  const chunks = [];
  res.onData((ab, isLast) => {
    chunks.push(Buffer.from(ab.slice(0)));
    if (!isLast) return;
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    pool.request({ method, path, headers, body: body.length ? body : null }).then(
      (up) => relay(res, up, state),
      () => {
        if (!state.aborted) res.cork(() => res.writeStatus('502 Bad Gateway').end());
      },
    );
  });
});

/** Copy status, headers and body chunks to the client, pausing undici when uWS backs up. */
function relay(res, up, state) {
  // Listen for errors first: destroying the body (client gone) emits one.
  up.body.on('error', () => {
    if (!state.aborted) res.close();
  });
  if (state.aborted) return void up.body.destroy();
  state.onAbort = () => up.body.destroy();
  res.cork(() => {
    res.writeStatus(statusLine(up.statusCode));
    for (const [k, v] of Object.entries(up.headers)) {
      if (!HOP.has(k)) res.writeHeader(k, Array.isArray(v) ? v.join(', ') : v);
    }
  });
  up.body.on('data', (chunk) => {
    if (state.aborted) return;
    let ok = true;
    res.cork(() => (ok = res.write(chunk)));
    if (!ok) {
      up.body.pause();
      res.onWritable(() => {
        up.body.resume();
        return true;
      });
    }
  });
  up.body.on('end', () => {
    if (!state.aborted) res.cork(() => res.end());
  });
}

app.listen('127.0.0.1', Number(opt('port', '0')), (token) => {
  if (!token) {
    process.stderr.write('plain-proxy: cannot listen\n');
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ port: uWS.us_socket_local_port(token) })}\n`);
});
const stop = () => void pool.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
