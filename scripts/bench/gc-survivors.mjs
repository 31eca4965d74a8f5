#!/usr/bin/env node
// What the gateway's young-generation GCs cost under the fixed-rate load, and which
// allocation sites survive them. The gateway runs with --trace-gc-nvp and a preload that
// samples only allocations surviving a scavenge (lib/survivor-sampling.mjs); fixed-rate.mjs
// drives it; then: the load's latency, the median scavenge (pause, allocated, promoted), and
// the allocation sites of the survivors. Promoted objects make scavenges long: this found the
// per-turn ioredis pipelines (1.6 MB promoted per scavenge, 4 ms pauses).
//   npm run build && node scripts/bench/gc-survivors.mjs [--rate 2000] [--duration 10] [--top 20] [--all] [--conns 64]
// --all samples every allocation instead (bytes per request by site: what makes scavenges frequent).
// --live keeps only what is still alive at the window's end, under load (what lives for seconds).
// --env '{"GW_USAGE_ENABLED":"0"}': extra gateway environment. --main <checkout>/packages/gateway/dist/main.js: another build.
// --phases-only: no sampling profiler (it adds ≈ 1 ms of weak-handle work to every scavenge):
// the scavenges' pauses and phases as a plain --trace-gc-nvp run reports them, nothing by site.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runFixedRate } from './lib/fixed-rate-client.mjs';
import * as stack from './lib/stack.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { rate: { type: 'string', default: '2000' }, duration: { type: 'string', default: '10' }, top: { type: 'string', default: '20' }, all: { type: 'boolean', default: false }, live: { type: 'boolean', default: false }, 'phases-only': { type: 'boolean', default: false }, conns: { type: 'string', default: '64' }, env: { type: 'string', default: '{}' }, main: { type: 'string', default: stack.GATEWAY_MAIN } } });
const durationS = Number(values.duration);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-survivors-'));
const out = path.join(tmp, 'survivors.heapprofile');
const redis = await stack.startRedis();
const fake = await stack.startFake();
let gw;
try {
  const rawKey = await stack.seedRegistry(redis.url, fake.url);
  gw = await stack.startGatewayProcess(redis.url, {
    main: values.main,
    nodeArgs: values['phases-only'] ? ['--trace-gc-nvp'] : ['--trace-gc-nvp', `--import=${path.join(HERE, 'lib/survivor-sampling.mjs')}`],
    // Sampling covers the measured part of the load (after its 2 s warm-up).
    env: { GW_SURVIVORS_OUT: out, GW_SURVIVORS_DELAY_MS: '3000', GW_SURVIVORS_MS: String(Math.max(1000, (durationS - 1) * 1000)), GW_SURVIVORS_ALL: values.all ? '1' : '0', GW_SURVIVORS_LIVE: values.live ? '1' : '0', ...JSON.parse(values.env) },
  });
  const bodyFile = path.join(tmp, 'chat.json');
  writeFileSync(bodyFile, JSON.stringify({ model: stack.CHAT_MODEL, messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 32 }));
  const load = await runFixedRate({ url: `${gw.origin}/v1/chat/completions`, rate: values.rate, durationS, conns: Number(values.conns), bodyFile, headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json' } });
  for (let i = 0; i < 50 && !values['phases-only'] && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 100));
  console.log(`load: ${Math.round(load.achievedRate)} req/s, p50 ${load.p50.toFixed(3)} ms, p99 ${load.p99.toFixed(3)} ms, errors ${load.errors + load.non2xx}`);

  // --trace-gc-nvp: one line per GC; the scavenges ("gc=s") of the second half of the run.
  const scav = gw.output().split('\n').filter((l) => l.includes('gc=s '));
  const tail = scav.slice(Math.floor(scav.length / 2));
  const med = (key) => {
    const xs = tail.map((l) => Number(new RegExp(`(?:^| )${key}=([\\d.]+)`).exec(l)?.[1])).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    return xs.length ? xs[Math.floor(xs.length / 2)] : NaN;
  };
  console.log(`scavenges: ${scav.length} in the run; median pause ${med('pause')} ms, ${med('mutator')} ms apart, promoted ${(med('promoted') / 1024).toFixed(0)} KB, allocation ${(med('new_space_allocation_throughput') / 1024).toFixed(1)} MB/s`);
  // Where a scavenge's pause goes: the median of each phase V8 reports (≥ 0.05 ms).
  const phases = [...new Set(tail.flatMap((l) => [...l.matchAll(/(?:^| )([a-z_]+[\w.]*)=/g)].map((m) => m[1])))];
  const phaseRows = phases.map((k) => [k, med(k.replace(/\./g, '\\.'))]).filter(([, v]) => v >= 0.05);
  console.log(`scavenge phases (median ms): ${phaseRows.map(([k, v]) => `${k} ${v}`).join(', ')}`);

  if (!values['phases-only']) {
    if (!existsSync(out)) throw new Error('the gateway wrote no survivor profile');
    const profile = JSON.parse(readFileSync(out, 'utf8'));
    const bySite = new Map();
    let total = 0;
    const walk = (node, parent) => {
      const f = node.callFrame;
      const site = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*?\/(packages|node_modules)\//, '$1/')}${f.url ? `:${f.lineNumber + 1}` : ''}`;
      const key = parent ? `${site}  < ${parent}` : site;
      if (node.selfSize) {
        total += node.selfSize;
        bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
      }
      for (const c of node.children ?? []) walk(c, site);
    };
    walk(profile.head, null);
    // With --all: every allocation of the window, in bytes per request (the sampling window is
    // the run less its first 3 s, at the load's rate).
    const requests = load.achievedRate * Math.max(1, durationS - 1);
    const what = values.all ? 'allocations sampled (all, young deaths included)' : values.live ? 'sampled and still alive at the window\'s end' : 'survivors sampled (with the long-lived heap)';
    console.log(`\n${what}: ${(total / 1e6).toFixed(1)} MB${values.all ? `, ≈ ${Math.round(total / requests)} bytes per request` : ''}; by allocation site (< caller):`);
    for (const [k, v] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`${(v / 1e6).toFixed(2).padStart(8)} MB${values.all ? ` ${String(Math.round(v / requests)).padStart(6)} B/req` : ''}  ${k}`);
  }
} finally {
  await gw?.stop();
  await fake.stop();
  await redis.stop();
}
