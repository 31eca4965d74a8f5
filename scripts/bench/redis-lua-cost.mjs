#!/usr/bin/env node
// What Redis spends on the shapes our scripts use, on a private redis-server: a write command
// called from Lua (against the command alone), and bytes passed into a script as arguments
// (against the same bytes in a SET). Redis CPU from /proc, so parsing and replies count too.
//   node scripts/bench/redis-lua-cost.mjs [--calls 20000]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, startRedis } from '../lib/local-redis.mjs';

const { values: o } = parseArgs({ options: { calls: { type: 'string', default: '20000' } } });
const CALLS = Number(o.calls);
const server = await startRedis({ port: await freePort() });
const redis = new Redis(server.url);
const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))[1]);
const tick = 1e6 / 100; // µs per clock tick (USER_HZ 100)
const cpu = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * tick;
};
/** Redis CPU µs per call of `fn`, 32 calls in flight. */
async function perCall(fn, calls = CALLS) {
  const c0 = cpu();
  let inflight = [];
  for (let i = 0; i < calls; i++) {
    inflight.push(fn(i));
    if (inflight.length >= 32) {
      await Promise.all(inflight);
      inflight = [];
    }
  }
  await Promise.all(inflight);
  return (cpu() - c0) / calls;
}

const rows = [];
const N = 50;
const loop = await redis.script('LOAD', `for i = 1, ${N} do redis.call('HINCRBY', KEYS[1], 'f' .. (i % 8), '3') end return 1`);
const empty = await redis.script('LOAD', 'return 1');
const script = await perCall(() => redis.evalsha(loop, 1, 'h'), CALLS / 10);
const bare = await perCall(() => redis.evalsha(empty, 0), CALLS / 10);
const direct = await perCall((i) => redis.hincrby('h2', `f${i % 8}`, 3));
rows.push(['HINCRBY from Lua (per call, 50 in one EVALSHA)', ((script - bare) / N).toFixed(2)]);
rows.push(['HINCRBY sent alone (with its round trip share)', direct.toFixed(2)]);
for (const size of [4000, 29000]) {
  const text = 'x'.repeat(size);
  const set = await perCall((i) => redis.set('k', i + text));
  const evalsha = await perCall((i) => redis.evalsha(empty, 0, i + text));
  rows.push([`${size} bytes: EVALSHA argument − SET value`, (evalsha - set).toFixed(2)]);
}
console.log('| what | Redis CPU µs |\n| --- | ---: |');
for (const [what, us] of rows) console.log(`| ${what} | ${us} |`);
await redis.quit();
await server.stop();
