#!/usr/bin/env node
// Many concurrent slow streams: open `--conns` keep-alive connections, send one streaming
// chat request on each (the fake provider is asked, per request, for `--chunks` events
// `--delay-ms` apart), and count the streams that complete (200, whole body, `data: [DONE]`)
// and the ones that fail. Meanwhile it samples the target's RSS and CPU from /proc/<pid>.
// Prints one JSON line.
//   node scripts/bench/slow-streams.mjs --url http://127.0.0.1:P/v1/chat/completions --conns 10000 \
//     --chunks 20 --delay-ms 500 --pid 1234 --headers '{"authorization":"Bearer …"}'
import { readFileSync } from 'node:fs';
import { cliOpt } from './lib/cli-opt.mjs';
import { procNofile, procSample } from './lib/proc.mjs';
import { buildRequest, RawConnection } from './lib/raw-http.mjs';

const opt = cliOpt();
const url = new URL(opt('url'));
const n = Number(opt('conns', '1000'));
const chunks = Number(opt('chunks', '20'));
const delayMs = Number(opt('delay-ms', '500'));
// 2,000 new connections a second: fast, but within what a 512-deep accept queue absorbs.
const batch = Number(opt('batch', '100'));
const batchEveryMs = Number(opt('batch-every-ms', '50'));
const pid = opt('pid') ? Number(opt('pid')) : null;
const model = opt('model', 'gpt-4o-mini');
const headers = {
  'content-type': 'application/json',
  'x-fake-behaviour': JSON.stringify({ chunks, chunkDelayMs: delayMs }),
  ...JSON.parse(opt('headers', '{}')),
};
const body = opt('body-file')
  ? readFileSync(opt('body-file'))
  : JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'Tell me a slow story' }] });
const req = buildRequest({ path: url.pathname, host: url.host, headers, body });

const res = { conns: n, chunks, delayMs, completed: 0, errors: 0, non200: 0, incomplete: 0, connectErrors: 0, maxOpen: 0, events: 0 };
const errorSamples = new Set();
let open = 0;
let settled = 0;
let firstOpenAt = 0;
let allOpenAt = 0;
let lastEndAt = 0;
let resolveAll;
const allDone = new Promise((r) => (resolveAll = r));

function settle() {
  settled++;
  lastEndAt = performance.now();
  if (settled === n) resolveAll();
}

function stream(c) {
  let status = 0;
  let tail = '';
  let counted = false;
  c.send(req, {
    onHeaders(s) {
      status = s;
      if (s === 200) {
        open++;
        counted = true;
        if (open > res.maxOpen) res.maxOpen = open;
        if (open === n) allOpenAt = performance.now();
      }
    },
    onBody(b) {
      const s = b.toString('latin1');
      for (let i = s.indexOf('data:'); i >= 0; i = s.indexOf('data:', i + 5)) res.events++;
      tail = (tail + s).slice(-64);
    },
    onEnd() {
      if (counted) open--;
      if (status !== 200) res.non200++;
      else if (tail.includes('[DONE]')) res.completed++;
      else res.incomplete++;
      c.close();
      settle();
    },
    onError(e) {
      if (counted) open--;
      res.errors++;
      if (errorSamples.size < 5) errorSamples.add(e.message);
      c.close();
      settle();
    },
  });
}

// Sample the target process while the streams run.
const samples = [];
const sampler = pid
  ? setInterval(() => {
      const s = procSample(pid);
      if (s) samples.push({ ...s, open });
    }, 250)
  : null;
const before = pid ? procSample(pid) : null;

const t0 = performance.now();
for (let started = 0; started < n; ) {
  const k = Math.min(batch, n - started);
  for (let i = 0; i < k; i++) {
    const c = new RawConnection(url.hostname, Number(url.port));
    c.connect().then(
      () => {
        if (!firstOpenAt) firstOpenAt = performance.now();
        stream(c);
      },
      (e) => {
        res.connectErrors++;
        res.errors++;
        if (errorSamples.size < 5) errorSamples.add(e.message);
        settle();
      },
    );
  }
  started += k;
  await new Promise((r) => setTimeout(r, batchEveryMs));
}
const deadlineMs = (n / batch) * batchEveryMs + chunks * delayMs + 60_000;
const timedOut = await Promise.race([allDone.then(() => false), new Promise((r) => setTimeout(() => r(true), deadlineMs).unref())]);
if (sampler) clearInterval(sampler);
const after = pid ? procSample(pid) : null;

let peak = null;
let cpuPct = null;
if (samples.length) {
  peak = samples.reduce((a, b) => (b.rss > a.rss ? b : a));
  const first = before ?? samples[0];
  const last = after ?? samples[samples.length - 1];
  const wall = (last.at - first.at) / 1000;
  cpuPct = wall > 0 ? ((last.cpu - first.cpu) / wall) * 100 : null;
}
process.stdout.write(
  `${JSON.stringify({
    ...res,
    timedOut,
    unsettled: n - settled,
    rampS: allOpenAt ? (allOpenAt - t0) / 1000 : null,
    wallS: ((lastEndAt || performance.now()) - t0) / 1000,
    clientNofile: procNofile(process.pid),
    target: pid
      ? {
          pid,
          nofile: procNofile(pid),
          rssBeforeMB: before ? before.rss / 2 ** 20 : null,
          rssPeakMB: peak ? peak.rss / 2 ** 20 : null,
          openAtPeak: peak?.open ?? null,
          rssAfterMB: after ? after.rss / 2 ** 20 : null,
          cpuPct,
        }
      : null,
    errorSamples: [...errorSamples],
  })}\n`,
);
process.exit(0);
