#!/usr/bin/env node
// `npm run bench`: the gateway (full pipeline) against the fake provider directly, nginx
// proxy_pass, the gateway's own transport without the pipeline (bare: uWS + its HTTP/1 client)
// and a uWS + undici proxy (plain), same requests, same load generator; medians of several
// runs; a markdown table and JSON under bench/results/. See scripts/bench/README.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, USAGE } from './lib/args.mjs';
import { loadAverage, machineInfo } from './lib/machine.mjs';
import { enablePinning } from './lib/pin.mjs';
import { procNofile, runJsonClient as runClient, waitIdle, watchLater, watchProcess } from './lib/proc.mjs';
import { checkTargets, summarise, toMarkdown } from './lib/report.mjs';
import { scrape, scrapeLater, windowStats } from './lib/gateway-metrics.mjs';
import { EVENTS, FIXED_RATE, headersFor, SLOW, THROUGHPUT, writeBody } from './lib/scenarios.mjs';
import * as stack from './lib/stack.mjs';
import { ensureWrk, runWrk, writeWrkScript } from './lib/wrk.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const log = (...a) => process.stderr.write(`[bench] ${a.join(' ')}\n`);

let opts;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${e.message}\n${USAGE}\n`);
  process.exit(2);
}
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
let pinned = null;
try {
  if (opts.pin) pinned = enablePinning();
} catch (e) {
  process.stderr.write(`bench: ${e.message}\n`);
  process.exit(2);
}
const wrkMissing = ensureWrk(log);
if (wrkMissing) {
  process.stderr.write(`bench: ${wrkMissing}\n`);
  process.exit(2);
}

const argStr = process.argv.slice(2).join(' ');
const command = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${argStr ? ` -- ${argStr}` : ''}` : `node scripts/bench/run.mjs${argStr ? ` ${argStr}` : ''}`;
const want = (name) => !opts.scenarios || opts.scenarios.includes(name);
const slowScenarios = opts.quick
  ? [{ name: 'slow1k', title: '1,000 concurrent slow streams', conns: 1000, path: '/v1/chat/completions', kind: 'slow' }]
  : SLOW;
// Streams last ≈20 s while 10,000 open over ≈5 s (2,000 a second), so all are open at once.
const slowShape = opts.quick ? { chunks: 10, delayMs: 300 } : { chunks: 20, delayMs: 1000 };

const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-bench-'));
const running = [];
let cleaning = null;
async function cleanup() {
  cleaning ??= (async () => {
    for (const p of running.reverse()) await p.stop().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}
process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));
process.on('SIGTERM', () => void cleanup().finally(() => process.exit(143)));

async function main() {
  const results = {
    version: 1,
    startedAt: new Date().toISOString(),
    command,
    options: opts,
    loadavg: { start: loadAverage() },
    machine: machineInfo(pinned ? { pinning: pinned } : {}),
    targets: {},
    throughput: {},
    fixedRate: {},
    events: {},
    slow: {},
    notes: [],
  };
  log(`${command}  (load average ${results.loadavg.start.join(' ')} on ${results.machine.cores} cores)`);
  if (results.loadavg.start[0] > 1.5) log('WARNING: the machine is busy; numbers will be noisy');

  const redis = await stack.startRedis();
  running.push(redis);
  const fake = await stack.startFake();
  running.push(fake);
  fakeOutput = fake.output;
  const rawKey = await stack.seedRegistry(redis.url, fake.url);
  const targets = [];
  const direct = { name: 'direct', origin: fake.origin, pid: fake.pid, nofile: fake.nofile };
  if (opts.targets.includes('direct')) targets.push(direct);
  if (opts.targets.includes('nginx')) {
    const n = await stack.startNginx(fake.port, log);
    if (n.skipped) {
      log(`nginx skipped: ${n.skipped}`);
      results.targets.nginx = { skipped: n.skipped };
    } else {
      running.push(n);
      targets.push(n);
      results.machine.nginx = n.version;
    }
  }
  if (opts.targets.includes('bare')) {
    const b = await stack.startBareProxy(fake.origin);
    running.push(b);
    targets.push(b);
  }
  if (opts.targets.includes('plain')) {
    const p = await stack.startPlainProxy(fake.origin);
    running.push(p);
    targets.push(p);
  }
  // The gateways: Redis works for them only (admission, accounting), so its CPU is theirs.
  const gateways = new Set();
  if (opts.targets.includes('gateway')) {
    const gateway = await stack.startGatewayProcess(redis.url);
    running.push(gateway);
    targets.push(gateway);
    gateways.add(gateway);
  }
  if (opts.workers !== null) {
    // The same build with GW_WORKERS=n: a supervisor and n workers on one port (CPU and RSS summed over them).
    const many = await stack.startGatewayProcess(redis.url, { env: { GW_WORKERS: String(opts.workers) }, name: `gateway-w${opts.workers}` });
    running.push(many);
    targets.push(many);
    gateways.add(many);
    results.machine.gatewayWorkers = opts.workers;
  }
  if (opts.maglev) {
    // The same build with V8's Maglev tier (docs/performance.md): what Node.js 22 and later run by default.
    const maglev = await stack.startGatewayProcess(redis.url, { nodeArgs: ['--maglev'], name: 'gateway-maglev' });
    running.push(maglev);
    targets.push(maglev);
    gateways.add(maglev);
  }
  if (opts.peer === 'portkey') {
    const p = await stack.startPortkey(fake.url, log);
    if (p.skipped) {
      log(`portkey skipped: ${p.skipped}`);
      results.targets.portkey = { skipped: p.skipped };
    } else {
      running.push(p);
      targets.push(p);
      results.machine.portkey = p.version;
    }
  }
  for (const t of targets) results.targets[t.name] = { origin: t.origin, pid: t.pid, nofile: t.nofile };
  results.notes.push(
    'gateway: full pipeline (auth via the cached key, model resolution, routing, admission for rpm/tpm/concurrency/budgets (per-pod leases once the key is busy), usage extraction, cost, usage stream, Prometheus metrics via GW_ADMIN_PORT); GW_LOG_LEVEL=warn, so the per-request access line (info) is not written',
    pinned
      ? `pinned (--pin): each target on core${pinned.targetCores > 1 ? 's' : ''} ${pinned.target}, the load generator, the fake provider, Redis and the runner on core ${pinned.load}; each runs as its own process; nginx runs one worker (master_process off)`
      : `load generator, targets and the fake provider share ${results.machine.cores} cores; each runs as its own process; nginx runs one worker (master_process off)`,
  );
  if (pinned && opts.workers !== null && opts.workers > pinned.targetCores) results.notes.push(`gateway-w${opts.workers}: ${opts.workers} workers on ${pinned.targetCores} pinned core${pinned.targetCores > 1 ? 's' : ''}: they share ${pinned.targetCores > 1 ? 'them' : 'it'}`);

  // ---- closed-loop throughput (wrk) ----
  const warmed = new Set();
  const cellConnections = (results.connections = {});
  for (let run = 1; run <= opts.runs; run++) {
    for (const sc of THROUGHPUT.filter((s) => want(s.name))) {
      const bodyFile = writeBody(tmp, sc);
      for (const t of targets) {
        if (!alive(t, results)) continue;
        const script = writeWrkScript(tmp, `${sc.name}-${t.name}`, { headers: headersFor(sc, t, rawKey), bodyFile });
        const url = t.origin + sc.path;
        const conns = sc.connections ?? opts.connections;
        await waitIdle([fake.pid, t.pid]);
        let r, s, sf, sr;
        try {
          if (opts.warmupEveryCell || !warmed.has(t.name)) {
            await runWrk({ url, script, durationS: opts.warmup, connections: conns });
            warmed.add(t.name);
          }
          const w = watchProcess(t.pid);
          const wf = t === direct ? null : watchProcess(fake.pid);
          // Redis works for the gateway only (admission, accounting): part of what it costs.
          const wr = gateways.has(t) ? watchProcess(redis.process.pid) : null;
          r = await runWrk({ url, script, durationS: opts.duration, connections: conns });
          s = w.stop();
          sf = wf?.stop();
          sr = wr?.stop();
        } catch (e) {
          await new Promise((res) => setTimeout(res, 200));
          if (!alive(t, results)) continue;
          throw e;
        }
        if (r.requests === r.errors && !alive(t, results)) continue;
        cellConnections[sc.name] = conns;
        const cell = { rps: r.rps, p50: r.p50, p90: r.p90, p99: r.p99, errors: r.errors, ...perRequest(s, sr, r.rps), upstreamCpuPct: sf?.cpuPct ?? null, mbps: r.mbps };
        if (r.errorDetail) cell.errorDetail = r.errorDetail;
        const slot = ((results.throughput[sc.name] ??= {})[t.name] ??= { runs: [] });
        slot.runs.push(cell);
        log(`run ${run}/${opts.runs} ${sc.name.padEnd(10)} ${t.name.padEnd(8)} ${Math.round(r.rps).toString().padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  cpu ${Math.round(s.cpuPct ?? 0)}%  rss ${Math.round(s.rssMaxMB)} MB${r.errors ? `  ERRORS ${r.errors}` : ''}`);
      }
    }
  }
  for (const byTarget of Object.values(results.throughput)) for (const cell of Object.values(byTarget)) cell.median = summarise(cell.runs);

  // ---- open-loop fixed rate: latency added by the gateway ----
  if (want(FIXED_RATE.name)) {
    const bodyFile = writeBody(tmp, FIXED_RATE);
    for (let run = 1; run <= opts.runs; run++) {
      for (const t of targets) {
        if (!alive(t, results)) continue;
        await waitIdle([fake.pid, t.pid]);
        // The gateway's own view of the measured window: scraped as the client's warm-up ends.
        const before = t.admin ? scrapeLater(t.admin, opts.warmup * 1000) : null;
        // CPU and RSS over the same window: at one rate for every target, the CPU per request
        // compares like with like (at saturation a slower target also wakes idle peers more often).
        const watching = watchLater(gateways.has(t) ? [t.pid, redis.process.pid] : [t.pid], opts.warmup * 1000);
        const r = await runClient('fixed-rate.mjs', [
          '--url', t.origin + FIXED_RATE.path,
          '--rate', String(opts.rate),
          '--duration', String(opts.duration),
          '--warmup', String(opts.warmup),
          '--conns', String(opts.connections),
          '--body-file', bodyFile,
          '--headers', JSON.stringify(headersFor(FIXED_RATE, t, rawKey)),
        ]);
        const [w, wr] = (await watching).map((x) => x.stop());
        // The watch outlasts the measured requests by the client's last replies: rate over its wall time.
        Object.assign(r, perRequest(w, wr, w.wallS > 0 ? r.measured / w.wallS : 0));
        // Event-loop lag, GC, the gateway's own time per request.
        if (before) Object.assign(r, windowStats(await before, await scrape(t.admin)));
        ((results.fixedRate[t.name] ??= { runs: [] }).runs).push(r);
        log(`run ${run}/${opts.runs} fixed-rate ${t.name.padEnd(8)} ${Math.round(r.achievedRate)} req/s  p50 ${r.p50?.toFixed(3)} ms  p99 ${r.p99?.toFixed(3)} ms  p99.9 ${r.p999?.toFixed(3)} ms${r.errors + r.non2xx ? `  ERRORS ${r.errors + r.non2xx}` : ''}`);
      }
    }
    for (const cell of Object.values(results.fixedRate)) cell.median = summarise(cell.runs);
  }

  // ---- paced streams: CPU per streamed event, events one per read ----
  if (want(EVENTS.name)) {
    const chunks = opts.quick ? 100 : EVENTS.chunks;
    const streams = (t, conns, n) =>
      runClient('slow-streams.mjs', ['--url', t.origin + EVENTS.path, '--conns', String(conns), '--chunks', String(n), '--delay-ms', String(EVENTS.delayMs), '--headers', JSON.stringify(headersFor(EVENTS, t, rawKey))]);
    // Warm-up: the code of the streamed path optimised before the first measured run.
    for (const t of targets) if (alive(t, results)) await streams(t, 50, 100);
    for (let run = 1; run <= opts.runs; run++) {
      for (const t of targets) {
        if (!alive(t, results)) continue;
        await waitIdle([fake.pid, t.pid]);
        const w = watchProcess(t.pid);
        const wr = gateways.has(t) ? watchProcess(redis.process.pid) : null;
        const r = await streams(t, EVENTS.conns, chunks);
        const s = w.stop();
        const sr = wr?.stop();
        const events = r.completed * chunks;
        const perEvent = (x) => (x?.cpuPct != null && events > 0 ? ((x.cpuPct / 100) * x.wallS * 1e6) / events : null);
        const failed = r.errors + r.non200 + r.incomplete + r.unsettled;
        const cell = { cpuUsPerEvent: perEvent(s), redisCpuUsPerEvent: perEvent(sr), events, failed, rssMaxMB: s.rssMaxMB };
        ((results.events[t.name] ??= { runs: [] }).runs).push(cell);
        log(`run ${run}/${opts.runs} events     ${t.name.padEnd(8)} ${cell.cpuUsPerEvent?.toFixed(1) ?? '–'} µs per event (${events} events, cpu ${Math.round(s.cpuPct ?? 0)}%)${failed ? `  FAILED ${failed}` : ''}`);
      }
    }
    for (const cell of Object.values(results.events)) cell.median = summarise(cell.runs);
  }

  // ---- concurrent slow streams: memory and errors (one run each; it is not a rate) ----
  const slowTargets = targets.filter((t) => t.name === 'gateway' || (!opts.quick && t.name === 'nginx'));
  const clientNofile = procNofile(process.pid) ?? 1024;
  for (const sc of slowScenarios.filter((s) => want(s.name) || (opts.quick && !opts.scenarios))) {
    for (const t of slowTargets) {
      if (!alive(t, results)) continue;
      // A proxy holds two sockets per stream (client + upstream); every process has RLIMIT_NOFILE.
      const cap = Math.floor(Math.min(((t.nofile ?? 1024) - 64) / 2, (fake.nofile ?? 1024) - 64, clientNofile - 64));
      const conns = Math.min(sc.conns, cap);
      await waitIdle([fake.pid, t.pid]);
      const r = await runClient('slow-streams.mjs', [
        '--url', t.origin + sc.path,
        '--conns', String(conns),
        '--chunks', String(slowShape.chunks),
        '--delay-ms', String(slowShape.delayMs),
        '--pid', String(t.pid),
        '--headers', JSON.stringify(headersFor(sc, t, rawKey)),
      ]);
      r.requested = sc.conns;
      if (conns < sc.conns) r.capNote = `capped at ${conns}: RLIMIT_NOFILE is ${t.nofile} here and cannot be raised (a proxy needs 2 sockets per stream)`;
      (results.slow[sc.name] ??= {})[t.name] = r;
      const failed = r.errors + r.non200 + r.incomplete + r.unsettled;
      log(`${sc.name} ${t.name.padEnd(8)} ${r.completed}/${conns} completed, ${failed} failed, peak open ${r.maxOpen}, peak RSS ${Math.round(r.target?.rssPeakMB ?? 0)} MB, cpu ${Math.round(r.target?.cpuPct ?? 0)}%${r.errorSamples.length ? `  (${r.errorSamples.join('; ')})` : ''}`);
      alive(t, results);
    }
  }

  results.finishedAt = new Date().toISOString();
  results.loadavg.end = loadAverage();
  if (results.loadavg.start[0] > 1.5) results.notes.push(`the machine was busy when the run started (load average ${results.loadavg.start[0]}): other work competed for the cores`);
  results.checks = checkTargets(results);
  const md = toMarkdown(results);
  process.stdout.write(`\n${md}`);
  for (const c of results.checks) process.stdout.write(`${c.status.padEnd(5)}  ${c.goal}: ${c.measured}${c.note ? ` (${c.note})` : ''}\n`);
  if (opts.save) {
    const dir = path.join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const stamp = results.startedAt.replace(/[:.]/g, '-');
    const json = JSON.stringify(results, null, 2) + '\n';
    // A quick smoke run never replaces the numbers of the last full run.
    const latest = opts.quick ? 'latest-quick' : 'latest';
    const file = `${stamp}${opts.quick ? '-quick' : ''}.json`;
    writeFileSync(path.join(dir, file), json);
    writeFileSync(path.join(dir, `${latest}.json`), json);
    writeFileSync(path.join(dir, `${latest}.md`), md);
    log(`saved bench/results/${file}, ${latest}.json, ${latest}.md`);
  }
}

/** CPU (of the target, and of Redis for a gateway) per request at `rps`, and the target's peak RSS. */
function perRequest(s, sr, rps) {
  const us = (pct) => (pct != null && rps > 0 ? (pct / 100 / rps) * 1e6 : null);
  return { cpuPct: s.cpuPct, cpuUsPerReq: us(s.cpuPct), rssMaxMB: s.rssMaxMB, redisCpuPct: sr?.cpuPct ?? null, redisCpuUsPerReq: us(sr?.cpuPct) };
}

/** A target whose process died is reported (with its last output) and left out from then on. */
function alive(t, results) {
  if (t.dead) return false;
  if (!isDeadSync(t.pid)) return true;
  t.dead = true;
  const why = `its process (pid ${t.pid}) died during the run`;
  (results.targets[t.name] ??= {}).skipped = why;
  log(`${t.name}: ${why}; its last output:\n${(t.output?.() ?? fakeOutput()).slice(-2000)}`);
  return false;
}

let fakeOutput = () => '';

function isDeadSync(pid) {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench failed: ${e.stack ?? e}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
