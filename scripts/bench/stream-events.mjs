#!/usr/bin/env node
// What a streamed event costs when events come as LLMs send them: one per upstream read, a few
// milliseconds apart (the throughput scenario stream20 gets its 20 events in one read, so it
// measures the per-request cost). `--conns` streams at once, each of `--chunks` events
// `--delay-ms` apart (slow-streams.mjs as the client); the gateway's CPU over the run divided
// by the events it relayed. Rounds alternate the targets: the fake provider directly (its own
// CPU per event, the floor of this load), nginx (proxy_pass, proxy_buffering off) and one or
// two gateway builds; medians, and B/A.
//   node scripts/bench/stream-events.mjs [--a <build>/packages/gateway/dist/main.js] [--b …]
//     [--conns 200] [--chunks 300] [--delay-ms 10] [--rounds 4] [--a-env '{…}'] [--b-env '{…}'] [--node-args=…]
// Without --a: the current build only.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runJsonClient, waitIdle, watchProcess } from './lib/proc.mjs';
import { median } from './lib/report.mjs';
import * as stack from './lib/stack.mjs';
import { enablePinning } from './lib/pin.mjs';

const { values } = parseArgs({
  options: {
    pin: { type: 'boolean', default: false },
    a: { type: 'string' },
    b: { type: 'string', default: stack.GATEWAY_MAIN },
    conns: { type: 'string', default: '200' },
    chunks: { type: 'string', default: '300' },
    'delay-ms': { type: 'string', default: '10' },
    rounds: { type: 'string', default: '4' },
    'a-env': { type: 'string', default: '{}' },
    'b-env': { type: 'string', default: '{}' },
    // Node.js flags for the gateways (space-separated, with "="), e.g. --node-args='--cpu-prof --cpu-prof-dir=/tmp/p'.
    'node-args': { type: 'string', default: '' },
  },
});
if (values.pin) enablePinning(); // the gateway on cores of its own, the load on core 0 (lib/pin.mjs)
const conns = Number(values.conns);
const chunks = Number(values.chunks);

/** slow-streams.mjs against `url`: its JSON line. */
const slowStreams = (url, headers) =>
  runJsonClient('slow-streams.mjs', ['--url', url, '--conns', String(conns), '--chunks', String(chunks), '--delay-ms', values['delay-ms'], '--headers', JSON.stringify(headers)]);

const redis = await stack.startRedis();
const fake = await stack.startFake();
const targets = [];
try {
  const rawKey = await stack.seedRegistry(redis.url, fake.url);
  const h = { 'content-type': 'application/json', authorization: `Bearer ${rawKey}` };
  targets.push({ name: 'direct', url: `${fake.origin}/v1/chat/completions`, pid: fake.pid, headers: { 'content-type': 'application/json' } });
  // nginx proxy_pass with proxy_buffering off (events relayed as they come), when installed.
  const nginx = await stack.startNginx(fake.port, (m) => process.stderr.write(`${m}\n`));
  if (nginx.skipped) process.stderr.write(`nginx: ${nginx.skipped}\n`);
  else targets.push({ name: 'nginx', url: `${nginx.origin}/v1/chat/completions`, pid: nginx.pid, headers: { 'content-type': 'application/json' }, stop: nginx.stop });
  const builds = values.a ? [['A', values.a, values['a-env']], ['B', values.b, values['b-env']]] : [['gateway', values.b, values['b-env']]];
  for (const [name, main, env] of builds) {
    const nodeArgs = values['node-args'].split(' ').filter(Boolean);
    const gw = await stack.startGatewayProcess(redis.url, { main: path.resolve(main), name, env: JSON.parse(env), nodeArgs });
    targets.push({ name, url: `${gw.origin}/v1/chat/completions`, pid: gw.pid, headers: h, stop: gw.stop });
  }
  // Warm-up: a short run on each.
  for (const t of targets) await slowStreams(t.url, t.headers);
  const res = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let i = 0; i < Number(values.rounds); i++) {
    const order = i % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      await waitIdle([fake.pid, ...targets.map((x) => x.pid)]);
      const w = watchProcess(t.pid);
      const r = await slowStreams(t.url, t.headers);
      const s = w.stop();
      const events = r.completed * chunks;
      const us = ((s.cpuPct / 100) * s.wallS * 1e6) / events;
      res[t.name].push(us);
      const failed = r.errors + r.non200 + r.incomplete + r.unsettled;
      process.stderr.write(`round ${i + 1} ${t.name.padEnd(7)} ${r.completed}/${conns} streams${failed ? ` (${failed} failed)` : ''}, ${events} events in ${s.wallS.toFixed(1)} s, CPU ${Math.round(s.cpuPct)} %: ${us.toFixed(2)} µs per event\n`);
    }
  }
  process.stdout.write(`streams of ${chunks} events ${values['delay-ms']} ms apart, ${conns} at once: CPU µs per event (median of ${values.rounds} rounds)\n`);
  for (const t of targets) process.stdout.write(`  ${t.name.padEnd(7)} ${median(res[t.name]).toFixed(2)}  (${res[t.name].map((x) => x.toFixed(2)).join(', ')})\n`);
  if (values.a) process.stdout.write(`  B/A ${(median(res.B) / median(res.A)).toFixed(3)}\n`);
} finally {
  for (const t of targets) await t.stop?.();
  await fake.stop();
  await redis.stop();
}
