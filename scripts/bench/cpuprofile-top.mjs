#!/usr/bin/env node
// Summarise a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self
// time, and self time grouped by file, so a hot path reads as a short list.
//   node scripts/bench/cpuprofile-top.mjs <file.cpuprofile> [--top 30] [--json] [--skip-ms N] [--callers writeUtf8String]
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * @param {{nodes: Array<{id: number, callFrame: {functionName: string, url: string, lineNumber: number}, children?: number[]}>, samples: number[], timeDeltas: number[], startTime: number, endTime: number}} profile
 */
export function summariseProfile(profile, top = 30, skipMs = 0) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // Samples of the first `skipMs` (boot, module loading, warm-up) are left out.
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < skipMs * 1000) continue;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const fnSelf = new Map();
  const fileSelf = new Map();
  for (const [id, us] of selfUs) {
    const cf = byId.get(id).callFrame;
    const file = shortUrl(cf.url);
    const name = `${cf.functionName || '(anonymous)'} ${file ? `${file}:${cf.lineNumber + 1}` : ''}`.trim();
    fnSelf.set(name, (fnSelf.get(name) ?? 0) + us);
    const group = file ? fileGroup(file) : cf.functionName; // (idle), (program), (garbage collector)
    fileSelf.set(group, (fileSelf.get(group) ?? 0) + us);
  }
  const rank = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / total) * 1000) / 10 }));
  return { totalMs: Math.round(total / 1000), functions: rank(fnSelf), files: rank(fileSelf) };
}

/**
 * Who spends the self time of native or Node-internal functions named `fnName`: each sample
 * is charged to its nearest ancestor frame outside node:internal (e.g. ioredis vs undici for
 * `writeUtf8String`).
 */
function callersOf(profile, fnName, top = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const out = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    if (byId.get(id).callFrame.functionName !== fnName) continue;
    total += us;
    let p = parent.get(id);
    while (p !== undefined) {
      const cf = byId.get(p).callFrame;
      if (cf.url && !cf.url.startsWith('node:')) break;
      p = parent.get(p);
    }
    const cf = p === undefined ? null : byId.get(p).callFrame;
    const name = cf ? `${cf.functionName || '(anonymous)'} ${shortUrl(cf.url)}:${cf.lineNumber + 1}` : '(root)';
    out.set(name, (out.get(name) ?? 0) + us);
  }
  return [...out.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / (total || 1)) * 1000) / 10 }));
}

function shortUrl(url) {
  if (!url) return '';
  const u = url.replace(/^file:\/\//, '');
  const i = u.indexOf('/node_modules/');
  if (i >= 0) return u.slice(i + 1);
  const j = u.indexOf('/packages/');
  if (j >= 0) return u.slice(j + 1);
  return u.startsWith('node:') ? u : path.basename(u);
}

/** node_modules/<pkg>, packages/<pkg>/dist/<file>, or node:<module>. */
function fileGroup(file) {
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return m ? `node_modules/${m[1]}` : file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const file = argv.find((a) => !a.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: node scripts/bench/cpuprofile-top.mjs <file.cpuprofile> [--top 30] [--json] [--skip-ms N] [--callers fn]\n');
    process.exit(2);
  }
  const ti = argv.indexOf('--top');
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const ci = argv.indexOf('--callers');
  if (ci >= 0) {
    for (const c of callersOf(profile, argv[ci + 1])) process.stdout.write(`${c.pct.toFixed(1).padStart(5)}%  ${String(c.ms).padStart(8)} ms  ${c.name}\n`);
    process.exit(0);
  }
  const si = argv.indexOf('--skip-ms');
  const s = summariseProfile(profile, ti >= 0 ? Number(argv[ti + 1]) : 30, si >= 0 ? Number(argv[si + 1]) : 0);
  if (argv.includes('--json')) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
  else {
    process.stdout.write(`total sampled ${s.totalMs} ms\n\nself time by function:\n`);
    for (const f of s.functions) process.stdout.write(`${f.pct.toFixed(1).padStart(5)}%  ${String(f.ms).padStart(8)} ms  ${f.name}\n`);
    process.stdout.write('\nself time by file:\n');
    for (const f of s.files) process.stdout.write(`${f.pct.toFixed(1).padStart(5)}%  ${String(f.ms).padStart(8)} ms  ${f.name}\n`);
  }
}
