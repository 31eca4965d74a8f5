#!/usr/bin/env node
// What governance costs on the hot path: requests/s through the gateway with limits and usage
// accounting on vs off, in the same run, against the fake provider on loopback.
//
//   npm run build && node scripts/bench/governance-cost.mjs [--duration 10] [--rounds 3] [--connections 64] [--stream] [--only full,full-no-leases]
//   node scripts/bench/governance-cost.mjs --fixed-rate [--rate 2000]   # latency instead of throughput
//   … --pin   # the gateways on CPU 1, everything else (load, Redis, fake) on CPU 0 (needs taskset, 2+ CPUs)
//
// Three gateway processes share one private Redis and one fake provider (each its own
// process); autocannon drives them in turn, round after round, and the medians are printed:
//   off     GW_USAGE_ENABLED=0, a key without limits or budgets (no Redis on the request path)
//   usage   usage events + spend counters on, a key without limits (no admission script)
//   full    usage on, a key with rpm, tpm, concurrency and daily/monthly budgets far above the
//           load (admission script + release + usage for every request), model with prices
//   no-windows  as full, but the key has concurrency and budgets only (no rpm/tpm windows)
//   full-no-leases  as full, with GW_LIMIT_LEASES=0: every request asks Redis (no per-pod leases)
// With --fixed-rate, fixed-rate.mjs sends --rate requests/s (open loop) to each variant and to
// the fake provider itself (direct), in turn, and prints the latency percentiles: which layer
// the added latency comes from.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { Registry, RT_KEYS, usageEntryEvents } from '../../packages/core/dist/index.js';
import { freePort, startRedis } from '../lib/local-redis.mjs';
import { procSample } from './lib/proc.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const DURATION = Number(opt('duration', '10'));
const ROUNDS = Number(opt('rounds', '3'));
const CONNECTIONS = Number(opt('connections', '64'));
const STREAM = argv.includes('--stream');
const FIXED = argv.includes('--fixed-rate');
const RATE = Number(opt('rate', '2000'));
// --only full,full-no-leases: just these variants (comma-separated names).
const ONLY = opt('only', '')
  .split(',')
  .filter(Boolean);
// --pin: a gateway on a core of its own, as in production, so its latency is its own and not
// the wait for a core that the load generator, Redis and the fake provider also want. This
// process is pinned first: what it starts inherits CPU 0; each gateway is then moved to CPU 1.
const PIN = argv.includes('--pin');
const pin = (pid, cpu, all = true) => execFileSync('taskset', [all ? '-acp' : '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
if (PIN) pin(process.pid, 0);

/** Spawn a node script; resolve with the child and the first stdout line matching `re`. */
function spawnUntil(args, env, re) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${args[0]} did not start:\n${out}`)), 20_000);
    const onData = (d) => {
      out += d;
      const m = re.exec(out);
      if (m) {
        clearTimeout(t);
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({ child, match: m });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`${args[0]} exited with ${code}:\n${out}`)));
  });
}

const children = [];
const redisServer = await startRedis();
try {
  const fake = await spawnUntil([path.join(ROOT, 'scripts/bench/fake-upstream.mjs')], {}, /"url":"([^"]+)"/);
  children.push(fake.child);
  const fakeUrl = fake.match[1];

  const registry = new Registry(new Redis(redisServer.url));
  await registry.addProvider({ name: 'fake', base_url: fakeUrl, secrets: ['sk-bench-upstream-0001'] });
  await registry.bindModel('gpt-4o-mini', { provider: 'fake', model: 'gpt-4o-mini' });
  await registry.updateModel('gpt-4o-mini', () => ({ price_input: 0.15, price_output: 0.6 }));
  const free = await registry.createKey({ name: 'bench-free' });
  const limited = await registry.createKey({
    name: 'bench-limited',
    rpm: 100_000_000,
    tpm: 1_000_000_000,
    max_concurrency: 100_000,
    budget_daily: 1_000_000,
    budget_monthly: 10_000_000,
  });
  // The same limits without the rpm/tpm windows: what the windows cost on their own.
  const leased = await registry.createKey({ name: 'bench-leased', max_concurrency: 100_000, budget_daily: 1_000_000, budget_monthly: 10_000_000 });
  await registry.redis.quit();

  const all = [
    { name: 'off', key: free.raw, env: { GW_USAGE_ENABLED: '0' } },
    { name: 'usage', key: free.raw, env: { GW_USAGE_ENABLED: '1' } },
    { name: 'no-windows', key: leased.raw, env: { GW_USAGE_ENABLED: '1' } },
    { name: 'full', key: limited.raw, env: { GW_USAGE_ENABLED: '1' } },
    { name: 'full-no-leases', key: limited.raw, env: { GW_USAGE_ENABLED: '1', GW_LIMIT_LEASES: '0' } },
  ];
  const variants = ONLY.length ? all.filter((v) => ONLY.includes(v.name)) : all;
  for (const v of variants) {
    // warn level: no access line per request (and nothing for this script to read).
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(ROOT, 'packages/gateway/dist/main.js')], {
      env: { ...process.env, REDIS_URL: redisServer.url, GW_PORT: String(port), GW_HOST: '127.0.0.1', GW_LOG_LEVEL: 'warn', GW_WORKERS: '1', ...v.env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    const deadline = Date.now() + 20_000;
    while (!(await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`gateway ${v.name} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
    v.url = `http://127.0.0.1:${port}/v1/chat/completions`;
    v.pid = child.pid;
    if (PIN) pin(child.pid, 1, false);
  }

  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 32, ...(STREAM ? { stream: true } : {}) });
  const run = (v, seconds) =>
    new Promise((resolve, reject) => {
      autocannon(
        { url: v.url, method: 'POST', connections: CONNECTIONS, duration: seconds, body, headers: { authorization: `Bearer ${v.key}`, 'content-type': 'application/json' } },
        (err, r) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(r)),
      );
    });

  if (FIXED) {
    await fixedRateRounds(variants, body, fakeUrl);
    process.exitCode = 0;
  } else {
  const results = Object.fromEntries(variants.map((v) => [v.name, []]));
  const redisCpu = () => procSample(redisServer.process.pid)?.cpu ?? 0;
  // Per command (scripts' inner commands included): calls and µs of Redis, from INFO commandstats.
  const stat = new Redis(redisServer.url);
  const commandstats = async () => Object.fromEntries([...(await stat.info('commandstats')).matchAll(/^cmdstat_(\S+?):calls=(\d+),usec=(\d+)/gm)].map(([, c, n, us]) => [c, { calls: +n, us: +us }]));
  const perCommand = Object.fromEntries(variants.map((v) => [v.name, {}]));
  for (const v of variants) await run(v, 2); // warm-up: JIT, pools, tokenizer
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants) {
      const [cpu0, cs0, gw0] = [redisCpu(), await commandstats(), procSample(v.pid)?.cpu ?? 0];
      const r = await run(v, DURATION);
      // The usage of the last requests is written within GW_USAGE_FLUSH_MS: let it land before reading.
      await new Promise((res) => setTimeout(res, 200));
      const [cpu1, cs1, gw1] = [redisCpu(), await commandstats(), procSample(v.pid)?.cpu ?? 0];
      const ok = r['2xx'] / r.duration;
      const n = r['2xx'] + r.non2xx;
      const redisUs = n > 0 ? ((cpu1 - cpu0) / n) * 1e6 : 0;
      const gatewayUs = n > 0 ? ((gw1 - gw0) / n) * 1e6 : 0;
      for (const [c, x] of Object.entries(cs1)) {
        if (c === 'info') continue;
        const d = { calls: x.calls - (cs0[c]?.calls ?? 0), us: x.us - (cs0[c]?.us ?? 0) };
        if (d.calls > 0) (perCommand[v.name][c] ??= []).push({ calls: d.calls / n, us: d.us / n });
      }
      results[v.name].push({ rps: ok, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, redisUs, gatewayUs });
      process.stderr.write(`round ${round + 1} ${v.name}: ${ok.toFixed(0)} req/s (p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}, gateway ${gatewayUs.toFixed(0)} µs, Redis ${redisUs.toFixed(1)} µs CPU/req)\n`);
    }
  }
  const check = new Redis(redisServer.url);
  const events = (await check.xrange(RT_KEYS.usageStream, '-', '+')).flatMap(([, f]) => usageEntryEvents(f)).length;
  check.disconnect();
  stat.disconnect();

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median((results.off ?? results[variants[0].name]).map((x) => x.rps));
  console.log(`\ngovernance cost, ${STREAM ? 'streamed' : 'non-stream'} chat, ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s per variant (medians)\n`);
  console.log('| variant | req/s | vs off | p50 ms | p99 ms | non-2xx | gateway CPU µs/req | Redis CPU µs/req |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of variants) {
    const rs = results[v.name];
    const rps = median(rs.map((x) => x.rps));
    console.log(`| ${v.name} | ${rps.toFixed(0)} | ${((rps / base) * 100).toFixed(1)} % | ${median(rs.map((x) => x.p50))} | ${median(rs.map((x) => x.p99))} | ${rs.reduce((a, x) => a + x.non2xx, 0)} | ${median(rs.map((x) => x.gatewayUs)).toFixed(0)} | ${median(rs.map((x) => x.redisUs)).toFixed(1)} |`);
  }
  console.log(`\nusage events in the stream: ${events}`);
  // Where the Redis time goes (commandstats counts a script's commands inside its evalsha too).
  console.log('\nRedis per request, by command (medians over rounds; evalsha includes the commands the scripts run):\n');
  console.log('| variant | command | calls/req | µs/req |');
  console.log('| --- | --- | ---: | ---: |');
  for (const v of variants) {
    for (const [c, xs] of Object.entries(perCommand[v.name]).sort((a, b) => median(b[1].map((x) => x.us)) - median(a[1].map((x) => x.us)))) {
      const us = median(xs.map((x) => x.us));
      if (us < 0.05) continue;
      console.log(`| ${v.name} | ${c} | ${median(xs.map((x) => x.calls)).toFixed(3)} | ${us.toFixed(2)} |`);
    }
  }
  }
} finally {
  for (const c of children) c.kill('SIGTERM');
  await redisServer.stop();
}

/** Open-loop latency of each variant and of the fake provider itself, round after round. */
async function fixedRateRounds(variants, body, fakeUrl) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-govcost-'));
  const bodyFile = path.join(dir, 'body.json');
  writeFileSync(bodyFile, body);
  const targets = [{ name: 'direct', url: `${fakeUrl.replace(/\/v1\/?$/, '')}/v1/chat/completions`, key: 'sk-bench-upstream-0001' }, ...variants];
  const once = (t, seconds, warmup) =>
    new Promise((resolve, reject) => {
      const args = [path.join(ROOT, 'scripts/bench/fixed-rate.mjs'), '--url', t.url, '--rate', String(RATE), '--duration', String(seconds), '--warmup', String(warmup), '--conns', String(CONNECTIONS), '--body-file', bodyFile, '--headers', JSON.stringify({ authorization: `Bearer ${t.key}` })];
      const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`fixed-rate.mjs exited ${code}`))));
    });
  const results = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (const t of targets) await once(t, 2, 1); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) {
      const r = await once(t, DURATION, 1);
      results[t.name].push(r);
      process.stderr.write(`round ${round + 1} ${t.name}: p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, p99.9 ${r.p999.toFixed(3)} ms, non-2xx ${r.non2xx}, errors ${r.errors}\n`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`\ngovernance latency, non-stream chat, ${RATE} req/s open loop over ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s per target (medians, ms)${PIN ? '; gateways on CPU 1, the rest on CPU 0' : ''}\n`);
  console.log('| target | p50 | p90 | p99 | p99.9 | non-2xx | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const t of targets) {
    const rs = results[t.name];
    const m = (k) => median(rs.map((x) => x[k])).toFixed(3);
    console.log(`| ${t.name} | ${m('p50')} | ${m('p90')} | ${m('p99')} | ${m('p999')} | ${rs.reduce((a, x) => a + x.non2xx, 0)} | ${rs.reduce((a, x) => a + x.errors, 0)} |`);
  }
}
