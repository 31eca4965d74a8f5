// GC pauses of the gateway (node --trace-gc) during 10 s at a fixed rate, with that window's latency
// percentiles: is the p99 tail the gateway's garbage collector?
//   node scripts/bench/gc-tail.mjs [rate, default 2000] ['{"GW_USAGE_ENABLED":"0"}' extra gateway env]
//     [--node-args=--max-semi-space-size=2] [--pin]   (--pin: the gateway's main thread on CPU 1, the rest on CPU 0)
//     [--main=<another build>/packages/gateway/dist/main.js]   (A/B: run it once per build, alternated)
//     [--conns=64]   (keep-alive connections carrying the load)
//     [--pin-all]   (every gateway thread on CPU 1: with --node-args=--single-threaded-gc, no GC helper shares the load's core)
import { execFileSync, spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runFixedRate } from './lib/fixed-rate-client.mjs';
import * as stack from './lib/stack.mjs';
import { freePort } from '../lib/local-redis.mjs';
import { fileURLToPath } from 'node:url';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}`));
const rate = positional[0] ?? '2000';
const extraEnv = JSON.parse(positional[1] ?? '{}');
const nodeArgs = flag('node-args=')?.slice('--node-args='.length).split(' ').filter(Boolean) ?? [];
const PIN = Boolean(flag('pin'));
// --pin-all: every thread of the gateway on CPU 1 (with --single-threaded-gc: no GC helper on the load's core).
const PIN_ALL = Boolean(flag('pin-all'));
// --conns=N: keep-alive connections carrying the load (fixed-rate.mjs's default: 64).
const conns = Number(flag('conns=')?.slice('--conns='.length) ?? 64);
const main = flag('main=')?.slice('--main='.length) ?? `${ROOT}packages/gateway/dist/main.js`;
if (PIN) execFileSync('taskset', ['-acp', '0', String(process.pid)], { stdio: 'ignore' });
const redis = await stack.startRedis();
const fake = await stack.startFake();
const rawKey = await stack.seedRegistry(redis.url, fake.url);
const port = await freePort();
const adminPort = await freePort();
const logFile = path.join(os.tmpdir(), 'llmgw-gc-trace.log');
const out = openSync(logFile, 'w');
const child = spawn(process.execPath, ['--trace-gc', ...nodeArgs, main], { env: { ...process.env, GW_HOST: '127.0.0.1', GW_PORT: String(port), GW_ADMIN_PORT: String(adminPort), REDIS_URL: redis.url, GW_LOG_LEVEL: 'warn', GW_WORKERS: '1', ...extraEnv }, stdio: ['ignore', out, 'inherit'] });
for (let i = 0; i < 100; i++) { if (await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.ok, () => false)) break; await new Promise((r) => setTimeout(r, 100)); }
// --pin: the main thread only (V8's and libuv's helper threads stay with the rest on CPU 0); --pin-all: every thread.
if (PIN) execFileSync('taskset', [PIN_ALL ? '-acp' : '-cp', '1', String(child.pid)], { stdio: 'ignore' });
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 32 });
writeFileSync(path.join(os.tmpdir(), 'llmgw-gc-body.json'), body);
const run = (secs) => runFixedRate({ url: `http://127.0.0.1:${port}/v1/chat/completions`, rate, durationS: secs, warmupS: 1, conns, bodyFile: path.join(os.tmpdir(), 'llmgw-gc-body.json'), headers: { authorization: `Bearer ${rawKey}` } });
await run(3);
/** The event-loop delay histogram's cumulative buckets (le → count), from /metrics. */
const loopDelay = async () => {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^llmgw_event_loop_delay_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)].map(([, le, v]) => [le, Number(v)]));
};
const mark = readFileSync(logFile, 'utf8').length;
const loop0 = await loopDelay();
const r = await run(10);
const loop1 = await loopDelay();
// The share of the loop monitor's samples (one per 10 ms) later than each bound, over the measured run.
const total = loop1['+Inf'] - loop0['+Inf'];
const loopLate = Object.fromEntries(Object.keys(loop1).filter((le) => le !== '+Inf').map((le) => [`>${Number(le) * 1000}ms`, +(((total - (loop1[le] - loop0[le])) / total) * 100).toFixed(2)]));
const lines = readFileSync(logFile, 'utf8').slice(mark).split('\n').filter((l) => /ms: (Scavenge|Mark-Compact|Minor|Mark-sweep)/.test(l));
const pauses = lines.map((l) => { const m = /ms: (\S+).*?MB, ([\d.]+) \/ ([\d.]+) ms/.exec(l); return m ? { kind: m[1], ms: Number(m[2]) } : null; }).filter(Boolean);
const by = {};
for (const p of pauses) { const b = (by[p.kind] ??= { n: 0, total: 0, max: 0, over2: 0 }); b.n++; b.total += p.ms; b.max = Math.max(b.max, p.ms); if (p.ms > 2) b.over2++; }
console.log(JSON.stringify({ nodeArgs, pin: PIN, conns, p50: r.p50, p99: r.p99, p999: r.p999, gc: by, loopLatePct: loopLate }, null, 1));
child.kill('SIGTERM');
await fake.stop(); await redis.stop();
