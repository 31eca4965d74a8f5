#!/usr/bin/env node
// What Redis spends per gateway request at fixed rates: one private Redis, the fake provider
// and one gateway per variant (its env), chat requests sent open loop at each rate; Redis's CPU
// (INFO cpu) and its commands (INFO commandstats) over the measured window, per request.
// Each usage write and lease call costs Redis about the same whatever it carries, so the cost
// per request depends on the rate: this is the figure a fleet of pods at moderate rates adds up.
// --keys N spreads the load over N keys (each with the bench key's limits and budgets), taken
// in turn: what a pod serving many tenants costs Redis.
//   node scripts/bench/redis-per-request.mjs [--rates 200,2000] [--keys 1,100] [--duration 6] [--warmup 3]
//     [--variants '{"flush 10 ms":{"GW_USAGE_FLUSH_MS":"10"},"default":{}}'] [--top 4]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { runFixedRate } from './lib/fixed-rate-client.mjs';
import { FIXED_RATE, writeBody } from './lib/scenarios.mjs';
import { procSample } from './lib/proc.mjs';
import * as stack from './lib/stack.mjs';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '200,2000' },
    duration: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '3' },
    variants: { type: 'string', default: '{"default":{}}' },
    keys: { type: 'string', default: '1' },
    top: { type: 'string', default: '4' },
  },
});
const rates = values.rates.split(',').map(Number);
const variants = Object.entries(JSON.parse(values.variants));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-redis-per-req-'));
const bodyFile = writeBody(tmp, FIXED_RATE);

const redisServer = await stack.startRedis();
const fake = await stack.startFake();
const rawKey = await stack.seedRegistry(redisServer.url, fake.url);
const keyCounts = values.keys.split(',').map(Number);
// Key sets of each size (the first key of every set is the bench key), as the client's --keys-file.
const more = await stack.seedMoreKeys(redisServer.url, Math.max(...keyCounts) - 1);
const keysFiles = new Map(
  keyCounts.map((n) => {
    const file = path.join(tmp, `keys-${n}.json`);
    writeFileSync(file, JSON.stringify([rawKey, ...more.slice(0, n - 1)]));
    return [n, file];
  }),
);
const redis = new Redis(redisServer.url);

/** Redis's CPU seconds (user + sys) so far. */
async function redisCpu() {
  const info = await redis.info('cpu');
  const f = (k) => Number(new RegExp(`^${k}:([0-9.]+)`, 'm').exec(info)[1]);
  return f('used_cpu_user') + f('used_cpu_sys');
}
/** INFO commandstats: calls and µs per command (a script's µs include the commands it ran). */
async function commandStats() {
  const out = {};
  for (const [, name, calls, usec] of (await redis.info('commandstats')).matchAll(/^cmdstat_(\S+?):calls=(\d+),usec=(\d+)/gm)) out[name] = { calls: Number(calls), usec: Number(usec) };
  return out;
}

const rows = [];
try {
  const cells = rates.flatMap((rate) => [...keysFiles].flatMap(([nKeys, keysFile]) => variants.map(([name, env]) => ({ rate, nKeys, keysFile, name, env }))));
  for (const { rate, nKeys, keysFile, name, env } of cells) {
    const gw = await stack.startGatewayProcess(redisServer.url, { env: { GW_LOG_LEVEL: 'warn', ...env } });
    try {
      const load = (durationS) => runFixedRate({ url: `${gw.origin}/v1/chat/completions`, rate, durationS, warmupS: 0, bodyFile, keysFile });
      await load(Number(values.warmup));
      await redis.config('RESETSTAT');
      const cpu0 = await redisCpu();
      const gw0 = procSample(gw.pid);
      const r = await load(Number(values.duration));
      const cpu = (await redisCpu()) - cpu0;
      const gwCpu = procSample(gw.pid).cpu - gw0.cpu;
      const stats = await commandStats();
      const n = r.measured;
      const top = Object.entries(stats)
        .filter(([c]) => c !== 'info' && !c.startsWith('config'))
        .sort((a, b) => b[1].usec - a[1].usec)
        .slice(0, Number(values.top))
        .map(([c, s]) => `${c} ${(s.calls / n).toFixed(3)}/req ${(s.usec / n).toFixed(1)} µs`);
      const evalsha = stats.evalsha?.calls ?? 0;
      rows.push({ rate, keys: nKeys, variant: name, requests: n, redisUs: (cpu * 1e6) / n, gatewayUs: (gwCpu * 1e6) / n, scriptsPerReq: evalsha / n, top });
      process.stderr.write(`${rate} req/s, ${nKeys} keys, ${name}: ${((cpu * 1e6) / n).toFixed(1)} µs of Redis CPU per request\n`);
    } finally {
      await gw.stop();
    }
  }
} finally {
  redis.disconnect();
  await fake.stop();
  await redisServer.stop();
  rmSync(tmp, { recursive: true, force: true });
}

process.stdout.write('| rate | keys | variant | Redis CPU µs/req | gateway CPU µs/req | script calls/req | most Redis time (wall, per request) |\n| ---: | ---: | --- | ---: | ---: | ---: | --- |\n');
for (const x of rows) process.stdout.write(`| ${x.rate.toLocaleString('en-US')} | ${x.keys} | ${x.variant} | ${x.redisUs.toFixed(1)} | ${x.gatewayUs.toFixed(0)} | ${x.scriptsPerReq.toFixed(3)} | ${x.top.join('; ')} |\n`);
