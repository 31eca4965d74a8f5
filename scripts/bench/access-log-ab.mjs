#!/usr/bin/env node
// A/B of two builds' access line (observability/access-log.ts) in one process: CPU ns per line
// of a served chat request, written through each build's own pino to /dev/null (a SonicBoom,
// as in production) or to a stream that drops it (`--sink null`: the making of the line alone).
// Batches alternate; the medians.
//   node scripts/bench/access-log-ab.mjs --a /work/wt-base [--b .] [--sink devnull|null]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/report.mjs';

const { values } = parseArgs({
  options: { a: { type: 'string' }, b: { type: 'string', default: '.' }, sink: { type: 'string', default: 'devnull' }, batches: { type: 'string', default: '10' }, lines: { type: 'string', default: '100000' } },
});
if (!values.a) {
  process.stderr.write('usage: node scripts/bench/access-log-ab.mjs --a <worktree> [--b <worktree>] [--sink devnull|null]\n');
  process.exit(2);
}
const load = async (root) => {
  const url = (p) => pathToFileURL(path.resolve(root, p)).href;
  return { ...(await import(url('packages/gateway/dist/observability/access-log.js'))), pino: (await import(url('node_modules/pino/pino.js'))).pino };
};
const sides = { A: await load(values.a), B: await load(values.b) };
const ctx = {
  id: 'req_0123456789abcdef01234567', req: { method: 'POST' }, endpoint: { path: '/chat/completions' }, key: { id: 'key_bench', name: 'bench' },
  publicModel: 'gpt-4o-mini', served: { provider: { name: 'fake' }, model: 'gpt-4o-mini' }, attempts: [{ provider: 'fake', model: 'gpt-4o-mini' }],
  status: 200, stream: false, t0: 1, tEnd: 3.3333, tUpstreamStart: 1.2, tFirstByte: 2.5, tUpstreamEnd: 3,
  usage: { promptTokens: 12, completionTokens: 9, cachedTokens: 0, estimated: false }, costUsd: 0.0000123, errorCode: null, error: null, clientAborted: false,
};
const n = Number(values.lines);
const ns = { A: [], B: [] };
for (let i = 0; i < Number(values.batches); i++) {
  for (const name of i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const { pino, createAccessLogger, writeAccessLog } = sides[name];
    const dest = values.sink === 'null' ? { write() {} } : pino.destination({ dest: '/dev/null', sync: true });
    const log = createAccessLogger(pino({ level: 'info', base: { svc: 'gateway' } }, dest));
    const t0 = process.cpuUsage();
    for (let j = 0; j < n; j++) writeAccessLog(log, ctx);
    const t = process.cpuUsage(t0);
    if (i > 0) ns[name].push(((t.user + t.system) * 1e3) / n);
  }
}
const a = median(ns.A);
const b = median(ns.B);
process.stdout.write(`access line (sink ${values.sink}), CPU ns per line (median of ${ns.A.length} batches of ${n}): A ${Math.round(a)}  B ${Math.round(b)}  B/A ${(b / a).toFixed(3)}\n`);
