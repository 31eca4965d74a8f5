#!/usr/bin/env node
// Where the slow requests of the fixed-rate load spend their time: each request carries its
// own x-request-id (fixed-rate.mjs --ids-file), the gateway writes its access line (info), and
// the two are joined. For every request, the client's latency splits into
//   gateway own     arrival at the gateway's handler → first dispatch, plus upstream end →
//                   request finished (auth, route, admission — a wait for Redis shows here —
//                   then usage, the write to the client): the access line's overheadMs,
//   upstream ttfb   dispatch → response head parsed (the fake provider, both sockets, and the
//                   gateway's loop noticing the answer),
//   upstream body   head → end of the upstream response,
//   outside         latency − the gateway's duration: the client, the kernel, and waiting for
//                   a core before the gateway's handler runs or after its write.
// Printed as medians for all requests and for the slowest 1 %, then the moments when requests
// spent more than 1 ms in the gateway itself (clusters of them point at a shared wait: a lease
// renewal, a registry re-read).
//   node scripts/bench/tail-decompose.mjs [--rate 2000] [--duration 8] [--env '{"GW_USAGE_ENABLED":"0"}'] [--main <other build>/dist/main.js] [--pin]
// --pin: the gateway on cores 1…n-1, the client, the fake provider and Redis on core 0 (lib/pin.mjs).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runFixedRate } from './lib/fixed-rate-client.mjs';
import { enablePinning } from './lib/pin.mjs';
import { FIXED_RATE, writeBody } from './lib/scenarios.mjs';
import * as stack from './lib/stack.mjs';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '2000' }, duration: { type: 'string', default: '8' }, env: { type: 'string', default: '{}' }, main: { type: 'string', default: stack.GATEWAY_MAIN }, pin: { type: 'boolean', default: false } } });
if (values.pin) enablePinning();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-tail-'));
const logFile = path.join(tmp, 'gateway.log');
const idsFile = path.join(tmp, 'ids.json');
const redis = await stack.startRedis();
const fake = await stack.startFake();
const rawKey = await stack.seedRegistry(redis.url, fake.url);
const gw = await stack.startGatewayProcess(redis.url, { env: { GW_LOG_LEVEL: 'info', ...JSON.parse(values.env) }, logFile, main: values.main });
let r;
try {
  r = await runFixedRate({ url: `${gw.origin}/v1/chat/completions`, rate: Number(values.rate), durationS: Number(values.duration), bodyFile: writeBody(tmp, FIXED_RATE), headers: { authorization: `Bearer ${rawKey}` }, idsFile });
} finally {
  await gw.stop();
  await fake.stop();
  await redis.stop();
}

const lines = new Map();
for (const l of readFileSync(logFile, 'utf8').split('\n')) {
  if (!l.includes('"msg":"request"')) continue;
  const j = JSON.parse(l);
  lines.set(j.reqId, j);
}
const rows = [];
for (const [id, dueAt, lat] of JSON.parse(readFileSync(idsFile, 'utf8'))) {
  const a = lines.get(id);
  if (!a || a.ttfbMs === null || a.overheadMs === null) continue;
  rows.push({ dueAt, lat, own: a.overheadMs, ttfb: a.ttfbMs, body: a.durationMs - a.overheadMs - a.ttfbMs, outside: lat - a.durationMs });
}
rmSync(tmp, { recursive: true, force: true });
if (rows.length === 0) throw new Error('no request could be joined with an access line');

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};
const COLS = [
  ['latency', 'lat'],
  ['gateway own', 'own'],
  ['upstream ttfb', 'ttfb'],
  ['upstream body', 'body'],
  ['outside', 'outside'],
];
const show = (title, rs) => `${title.padEnd(22)} ${String(rs.length).padStart(6)}  ${COLS.map(([, k]) => median(rs.map((x) => x[k])).toFixed(3).padStart(15)).join('')}`;
const sorted = [...rows].sort((x, y) => x.lat - y.lat);
const p99 = sorted[Math.floor(sorted.length * 0.99)].lat;
console.log(`fixed rate ${values.rate} req/s, ${values.duration} s: p50 ${r.p50.toFixed(3)}  p99 ${r.p99.toFixed(3)}  p99.9 ${r.p999.toFixed(3)} ms (${rows.length} of ${r.measured} requests joined)`);
console.log(`median ms of              n  ${COLS.map(([t]) => t.padStart(15)).join('')}`);
console.log(show('all requests', rows));
console.log(show(`slowest 1 % (≥ ${p99.toFixed(2)})`, sorted.filter((x) => x.lat >= p99)));
const t0 = rows[0].dueAt;
const waited = rows.filter((x) => x.own > 1);
const clusters = [];
for (const x of waited) {
  const c = clusters.at(-1);
  const at = x.dueAt - t0;
  if (c && at - c.end < 50) {
    c.end = at;
    c.n++;
    c.max = Math.max(c.max, x.own);
  } else clusters.push({ start: at, end: at, n: 1, max: x.own });
}
console.log(`${waited.length} requests spent > 1 ms in the gateway itself, in ${clusters.length} clusters${clusters.length ? ' (ms into the window: requests, longest wait):' : ''}`);
if (clusters.length) console.log(`  ${clusters.map((c) => `${Math.round(c.start)}: ${c.n}, ${c.max.toFixed(1)}`).join(' · ')}`);
