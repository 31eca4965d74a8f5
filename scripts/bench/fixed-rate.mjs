#!/usr/bin/env node
// Open-loop fixed-rate load (the benchmark's "added latency" scenario): send `--rate`
// requests per second whatever the answers do, over a pool of keep-alive connections, and
// report latency percentiles with microsecond resolution (autocannon's histogram rounds to
// whole milliseconds, too coarse for a 1 ms target). A request that finds no idle connection
// waits in a queue and its latency counts from when it was due. Prints one JSON line.
//   node scripts/bench/fixed-rate.mjs --url http://127.0.0.1:P/v1/chat/completions --rate 2000 \
//     --duration 10 --warmup 2 --conns 64 --body-file body.json --headers '{"authorization":"Bearer …"}'
// --ids-file F: every request carries its own x-request-id (`fr<n>`) and each measured one is
// written to F as [id, epoch ms when it was due, latency ms], for joining with the target's
// access log (tail-decompose.mjs).
// --keys-file F: a JSON array of gateway keys; the requests take them in turn (each its
// `authorization: Bearer <key>`), for a load spread over many keys.
import { readFileSync, writeFileSync } from 'node:fs';
import { cliOpt } from './lib/cli-opt.mjs';
import { buildRequest, RawConnection } from './lib/raw-http.mjs';

const opt = cliOpt();
const url = new URL(opt('url'));
const rate = Number(opt('rate', '2000'));
const durationS = Number(opt('duration', '10'));
const warmupS = Number(opt('warmup', '2'));
const nConns = Number(opt('conns', '64'));
const headers = { 'content-type': 'application/json', ...JSON.parse(opt('headers', '{}')) };
const body = opt('body-file') ? readFileSync(opt('body-file')) : Buffer.alloc(0);
const req = buildRequest({ path: url.pathname + url.search, host: url.host, headers, body });
const idsFile = opt('ids-file', '');
const ids = [];
let seq = 0;
// With --ids-file, a request of its own per send (its x-request-id); with --keys-file, one
// request per key, taken in turn; else the one request, written as is.
const keys = opt('keys-file') ? JSON.parse(readFileSync(opt('keys-file'), 'utf8')) : null;
const perKey = keys?.map((k) => buildRequest({ path: url.pathname + url.search, host: url.host, headers: { ...headers, authorization: `Bearer ${k}` }, body }));
let turn = 0;
const request = idsFile
  ? (id) => buildRequest({ path: url.pathname + url.search, host: url.host, headers: { ...headers, 'x-request-id': id }, body })
  : perKey
    ? () => perKey[turn++ % perKey.length]
    : () => req;

const conns = [];
for (let i = 0; i < nConns; i++) {
  const c = new RawConnection(url.hostname, Number(url.port));
  await c.connect();
  conns.push(c);
}
const idle = [...conns];
const queue = []; // due times of requests waiting for a connection
const lat = [];
let sent = 0;
let ok = 0;
let bad = 0;
let errors = 0;
let queuedMax = 0;
let recordFrom = Infinity;

function fire(c, dueAt) {
  const startedAt = Math.min(dueAt, performance.now());
  let status = 0;
  const id = idsFile ? `fr${++seq}` : '';
  c.send(request(id), {
    onHeaders: (s) => (status = s),
    onEnd: () => {
      const t = performance.now();
      if (dueAt >= recordFrom) {
        lat.push(t - startedAt);
        if (idsFile) ids.push([id, performance.timeOrigin + startedAt, t - startedAt]);
        if (status >= 200 && status < 300) ok++;
        else bad++;
      }
      next(c);
    },
    onError: () => {
      if (dueAt >= recordFrom) errors++;
      replace(c);
    },
  });
}

/** A fresh connection in place of `c`; it takes the next queued request once connected. */
function replace(c) {
  const i = conns.indexOf(c);
  const fresh = new RawConnection(url.hostname, Number(url.port));
  conns[i] = fresh;
  fresh.connect().then(() => next(fresh), () => {});
}

/** uWS closes a keep-alive connection after 10 s without a request: ours retire at half that. */
const IDLE_RETIRE_MS = 5_000;

/**
 * An idle connection to send on. One the server closed while it sat idle (uWS closes a
 * keep-alive connection after 10 s without a request; the deepest ones in this stack are
 * idle that long) is replaced rather than written to: that is the client's keep-alive race,
 * not an error of the server under test.
 */
function takeIdle() {
  const now = performance.now();
  for (let c = idle.pop(); c; c = idle.pop()) {
    if (!c.closed && now - (c.idleSince ?? now) < IDLE_RETIRE_MS) return c;
    // Idle long enough that the server may be closing it right now: a request written then
    // would meet the close (an error of the client's keep-alive race, not of the target).
    if (!c.closed) c.close();
    replace(c);
  }
  return undefined;
}

function next(c) {
  const due = queue.shift();
  if (due !== undefined) fire(c, due);
  else {
    c.idleSince = performance.now();
    idle.push(c);
  }
}

const t0 = performance.now();
recordFrom = t0 + warmupS * 1000;
const end = recordFrom + durationS * 1000;
await new Promise((resolve) => {
  const tick = setInterval(() => {
    const now = performance.now();
    if (now >= end) {
      clearInterval(tick);
      return resolve();
    }
    const due = Math.floor(((now - t0) / 1000) * rate);
    while (sent < due) {
      sent++;
      const c = takeIdle();
      if (c) fire(c, now);
      else {
        queue.push(now);
        if (queue.length > queuedMax) queuedMax = queue.length;
      }
    }
  }, 1);
});
// Let the last answers arrive (bounded), then report.
const stopAt = performance.now() + 2000;
while (idle.length < conns.length && performance.now() < stopAt) await new Promise((r) => setTimeout(r, 10));
for (const c of conns) c.close();

if (idsFile) writeFileSync(idsFile, JSON.stringify(ids));
lat.sort((a, b) => a - b);
const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] : null);
process.stdout.write(
  `${JSON.stringify({
    rate,
    durationS,
    measured: lat.length,
    achievedRate: lat.length / durationS,
    ok,
    non2xx: bad,
    errors,
    queuedMax,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    p999: pct(99.9),
    max: lat.length ? lat[lat.length - 1] : null,
  })}\n`,
);
process.exit(0);
