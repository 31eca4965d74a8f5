#!/usr/bin/env node
// What arming and releasing a per-request deadline costs (deadlines.ts: a request's body timer
// and an attempt's total deadline are armed and released once per request), and the full GCs
// that the tiers' bookkeeping causes, with 64 long deadlines held as a busy pod holds them. Two
// builds of packages/gateway/dist, each in its own process (run with --expose-gc), in turn.
//   node scripts/bench/deadline-tiers.mjs --a /tmp/before/dist [--b packages/gateway/dist] [--rounds 3]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { a: { type: 'string' }, b: { type: 'string', default: 'packages/gateway/dist' }, rounds: { type: 'string', default: '3' }, child: { type: 'string' } } });

if (values.child) {
  const v8 = await import('node:v8');
  const { PerformanceObserver } = await import('node:perf_hooks');
  const { arm, release } = await import(pathToFileURL(path.join(values.child, 'deadlines.js')).href);
  const mk = () => ({ deadline: 0, tier: null, slot: -1, onDeadline() {} });
  const held = Array.from({ length: 64 }, mk);
  for (const h of held) arm(h, 60_000);
  for (let i = 0; i < 1e5; i++) { const x = mk(); arm(x, 60_000); release(x); } // warm-up
  globalThis.gc();
  let full = 0;
  new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail.kind !== 1) full++; }).observe({ entryTypes: ['gc'] });
  const n = 2e6;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const x = mk();
    arm(x, 60_000);
    release(x);
  }
  const ns = Number(process.hrtime.bigint() - t) / n;
  await new Promise((r) => setTimeout(r, 20));
  process.stdout.write(JSON.stringify({ ns, full, oldMB: v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size / 2 ** 20 }) + '\n');
  for (const h of held) release(h);
  process.exit(0);
}
if (!values.a) {
  process.stderr.write('usage: node scripts/bench/deadline-tiers.mjs --a <before>/packages/gateway/dist [--b packages/gateway/dist] [--rounds 3]\n');
  process.exit(2);
}
const self = fileURLToPath(import.meta.url);
const run = (dir) => JSON.parse(spawnSync(process.execPath, ['--expose-gc', self, '--child', path.resolve(dir)], { encoding: 'utf8' }).stdout.trim().split('\n').pop());
for (let r = 1; r <= Number(values.rounds); r++) {
  for (const [name, dir] of r % 2 ? [['A', values.a], ['B', values.b]] : [['B', values.b], ['A', values.a]]) {
    const x = run(dir);
    process.stdout.write(`round ${r} ${name}: ${x.ns.toFixed(0)} ns per arm + release, ${x.full} full GCs in 2,000,000\n`);
  }
}
