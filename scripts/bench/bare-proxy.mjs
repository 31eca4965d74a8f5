#!/usr/bin/env node
// The "bare proxy" reference of the benchmark: the gateway's own transport and nothing else —
// uWebSockets.js in front, the gateway's HTTP/1 upstream client (packages/gateway/dist/upstream/h1)
// behind; no auth, no routing, no JSON parsing, no usage, no metrics. It answers the way the
// gateway does: an answer with a Content-Length is collected and sent with one `res.end`, any
// other (a stream) is relayed piece by piece with backpressure. The gap between this and the
// gateway is what the gateway's own per-request work costs; between this and nginx, what
// Node.js and uWS cost. `plain` (uWS + undici) is the same idea on undici. Prints {"port":N}.
//   node scripts/bench/bare-proxy.mjs --port N --upstream http://127.0.0.1:P
import { createRequire } from 'node:module';
import { H1Agent } from '../../packages/gateway/dist/upstream/h1/agent.js';
import { cliOpt } from './lib/cli-opt.mjs';
import { HOP, statusLine } from './lib/proxy-head.mjs';

const require = createRequire(import.meta.url);
const uWS = require('uWebSockets.js');

const opt = cliOpt();
const upstream = opt('upstream');
if (!upstream) {
  process.stderr.write('bare-proxy: --upstream is required\n');
  process.exit(2);
}
const agent = new H1Agent({ connectTimeoutMs: 5_000, keepAliveMs: 30_000 });
/** Answers up to this size with a Content-Length are collected and sent in one piece. */
const COLLECT_MAX = 1 << 20;

const app = uWS.App();
app.any('/*', (res, req) => {
  // One onAborted handler per response: this state serves the body read and the relay.
  const state = { aborted: false, controller: null };
  res.onAborted(() => {
    state.aborted = true;
    state.controller?.abort(new Error('client went away'));
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
    agent.dispatch({ origin: upstream, path, method, headers, body: body.length ? body : null, headersTimeout: 300_000, bodyTimeout: 300_000 }, relay(res, state));
  });
});

/** The upstream handler relaying one answer to `res`. */
function relay(res, state) {
  let status = 0;
  let head = null;
  let parts = null; // collecting: the answer's pieces; null: streaming
  const writeHead = () => {
    res.writeStatus(statusLine(status));
    for (const k in head) {
      const v = head[k];
      if (!HOP.has(k) && v !== undefined) res.writeHeader(k, Array.isArray(v) ? v.join(', ') : v);
    }
  };
  return {
    onRequestStart(controller) {
      state.controller = controller;
    },
    onResponseStart(_c, statusCode, headers) {
      status = statusCode;
      head = headers;
      const len = Number(headers['content-length'] ?? -1);
      if (len >= 0 && len <= COLLECT_MAX) parts = [];
      else if (!state.aborted) res.cork(writeHead);
    },
    onResponseData(controller, chunk) {
      if (state.aborted) return;
      if (parts) return void parts.push(chunk);
      let ok = true;
      res.cork(() => (ok = res.write(chunk)));
      if (!ok) {
        controller.pause();
        res.onWritable(() => {
          controller.resume();
          return true;
        });
      }
    },
    onResponseEnd() {
      if (state.aborted) return;
      res.cork(() => {
        if (parts) {
          writeHead();
          res.end(parts.length === 1 ? parts[0] : Buffer.concat(parts));
        } else res.end();
      });
    },
    onResponseError() {
      if (state.aborted) return;
      if (head && !parts) return void res.close(); // mid-stream: the client sees a cut answer
      res.cork(() => res.writeStatus('502 Bad Gateway').end());
    },
  };
}

app.listen('127.0.0.1', Number(opt('port', '0')), (token) => {
  if (!token) {
    process.stderr.write('bare-proxy: cannot listen\n');
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ port: uWS.us_socket_local_port(token) })}\n`);
});
const stop = () => void agent.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
