#!/usr/bin/env node
// The money checks under fault injection (not part of `npm test`: it takes a few minutes).
//
//   node scripts/soak/money.mjs [--seconds 12] [--pods 3] [--concurrency 6] [--rate 10] [--fail-open]
//
// Three gateway pods (the built packages/gateway/dist/main.js as real processes) share one
// redis-server (AOF on, appendfsync always) and one fake upstream that keeps its own ledger of
// the requests it served. For each fault, a fresh key with a daily budget takes load from every
// pod (each client at most --rate requests a second) while the fault hits in the middle of the
// run; the budget is sized to run out around the fault or after it:
//   redis-stall   Redis SIGSTOPped for 5 s, then SIGCONT
//   redis-kill    Redis SIGKILLed, restarted from its AOF 1 s later
//   pod-kill      one pod SIGKILLed with requests in flight, restarted 1 s later
// and it prints, per fault: requests served (200) and refused (429), what the upstream served,
// usage events expected (one per 200) vs recorded, duplicates, the spend counter vs the sum of
// the events' costs, and the spend vs the budget. Limits fail closed by default (the setting
// for budgets that must hold through a Redis outage); --fail-open shows the default policy.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, startRedis } from '../lib/local-redis.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = (p) => `${root}packages/${p}/dist/index.js`;
for (const p of ['core', 'gateway', 'fake-provider']) {
  if (!existsSync(dist(p))) {
    console.error(`packages/${p} is not built: run \`npm run build\` first.`);
    process.exit(1);
  }
}
const { Registry, createRedis, readKeySpend, usageEntryEvents, RT_KEYS } = await import(dist('core'));
const { startFakeProvider } = await import(dist('fake-provider'));

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '12' },
    pods: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '6' },
    rate: { type: 'string', default: '10' },
    'fail-open': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const SECONDS = Number(args.seconds);
const PODS = Number(args.pods);
const CONCURRENCY = Number(args.concurrency);
const RATE = Number(args.rate);
const FAIL_CLOSED = !args['fail-open'];
// $1000 / $2000 per million tokens: the fake's 2 + 5 tokens cost $0.012 a request, and a
// request reserves its prompt (15) + max_tokens (5) at those prices: $0.025.
const PRICES = { price_input: 1000, price_output: 2000 };
const COST = 0.012;
const BUDGET = Math.round(0.5 * PODS * CONCURRENCY * RATE * SECONDS * COST * 100) / 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-soak-'));
const redisPort = await freePort();
const aof = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
let redis = await startRedis({ port: redisPort, args: aof });
const fake = await startFakeProvider({ behaviour: { headersDelayMs: 20 }, maxRecorded: 1_000_000 });
const admin = createRedis({ url: redis.url }, { maxReconnects: 1000 });
admin.on('error', () => {});
const registry = new Registry(admin);
await registry.addProvider({ name: 'soak', base_url: fake.url, secrets: ['sk-soak-upstream'] });
await registry.bindModel('gpt-4o-mini', { provider: 'soak', model: 'gpt-4o-mini' });
await registry.updateModel('gpt-4o-mini', () => PRICES);

/** A gateway pod as a real process; resolves once it listens. */
async function startPod(i) {
  const child = spawn(process.execPath, [`${root}packages/gateway/dist/main.js`], {
    env: {
      ...process.env, REDIS_URL: redis.url, GW_PORT: '0', GW_HOST: '127.0.0.1', GW_LOG_LEVEL: 'info', GW_POD_NAME: `soak-${i}`,
      GW_LIMITS_FAIL_CLOSED: FAIL_CLOSED ? '1' : '0', GW_CONCURRENCY_LEASE_MS: '5000', GW_WORKERS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Only the tail of the pod's log is kept (the access log writes a line per request).
  let out = '';
  const keep = (d) => (out = (out + d).slice(-8192));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`pod ${i} did not start:\n${out}`)), 15_000);
    const check = () => {
      const m = /"msg":"gateway listening"/.test(out) ? /"port":(\d+)/.exec(out) : null;
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    check();
  });
  return { i, child, url: `http://127.0.0.1:${port}`, kill: (sig = 'SIGTERM') => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : (child.once('exit', r), child.kill(sig)))) };
}

let pods = await Promise.all(Array.from({ length: PODS }, (_, i) => startPod(i)));

/** Load from every pod until `stop()`; counts what clients saw. */
function load(rawKey) {
  const seen = { ok: [], refused: 0, unavailable: 0, errors: 0, codes: {} };
  let running = true;
  const worker = async (podIndex) => {
    while (running) {
      const pace = sleep(1000 / RATE);
      const pod = pods[podIndex];
      try {
        const r = await fetch(`${pod.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello world' }], max_tokens: 5 }),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await r.text();
        if (r.status === 200) seen.ok.push(r.headers.get('x-request-id'));
        else if (r.status === 429) seen.refused++;
        else {
          seen.unavailable++;
          // Which refusal: the error code of the answer (limits_unavailable, registry_unavailable, …).
          let code = String(r.status);
          try {
            code = `${r.status} ${JSON.parse(text).error?.code ?? '?'}`;
          } catch {
            /* not JSON */
          }
          seen.codes[code] = (seen.codes[code] ?? 0) + 1;
        }
      } catch {
        seen.errors++;
      }
      await pace;
    }
  };
  const all = Promise.all(pods.flatMap((p) => Array.from({ length: CONCURRENCY }, () => worker(p.i))));
  return { seen, stop: async () => ((running = false), await all) };
}

async function waitFor(check, ms = 30_000) {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) return false;
    await sleep(100);
  }
  return true;
}

const FAULTS = {
  async 'redis-stall'() {
    redis.process.kill('SIGSTOP');
    await sleep(5000);
    redis.process.kill('SIGCONT');
  },
  async 'redis-kill'() {
    redis.process.kill('SIGKILL');
    await sleep(1000);
    redis = await startRedis({ port: redisPort, args: aof });
  },
  async 'pod-kill'() {
    // Slower answers, so that the victim has upstream calls in flight when it dies.
    fake.setBehaviour({ headersDelayMs: 300 });
    await sleep(1000);
    const victim = pods[0];
    await victim.kill('SIGKILL');
    await sleep(1000);
    const fresh = await startPod(0);
    pods = [fresh, ...pods.slice(1)];
    fake.setBehaviour({ headersDelayMs: 20 });
  },
};

const rows = [];
for (const [name, fault] of Object.entries(FAULTS)) {
  if (args.only && args.only !== name) continue;
  const { raw, key } = await registry.createKey({ name: `soak-${name}-${Date.now()}`, budget_daily: BUDGET });
  const upstreamBefore = fake.received.length;
  const run = load(raw);
  await sleep((SECONDS * 1000) / 2 - 2500);
  await fault();
  await sleep((SECONDS * 1000) / 2 - 2500);
  await run.stop();
  // Let every pod write what it buffered, and reservations settle.
  await waitFor(async () => (await admin.zcard(RT_KEYS.keyReservations(key.id))) === 0, 20_000);
  await sleep(1500);
  const entries = await admin.xrange(RT_KEYS.usageStream, '-', '+');
  const events = entries.flatMap(([, f]) => usageEntryEvents(f)).filter((e) => e.key_id === key.id);
  const served = events.filter((e) => e.status === 200);
  const ids = served.map((e) => e.id);
  const unique = new Set(ids);
  const okIds = new Set(run.seen.ok);
  const spend = (await readKeySpend(admin, key.id, new Date())).today.cost_usd;
  rows.push({
    fault: name,
    served: run.seen.ok.length,
    refused: run.seen.refused,
    unavailable: run.seen.unavailable,
    codes: run.seen.codes,
    clientErrors: run.seen.errors,
    upstream: fake.received.length - upstreamBefore,
    expected: run.seen.ok.length,
    recorded: unique.size,
    missing: [...okIds].filter((id) => !unique.has(id)).length,
    // Served by the upstream, never recorded: in flight on (or buffered by) a pod that died.
    lost: Math.max(0, fake.received.length - upstreamBefore - unique.size),
    duplicates: ids.length - unique.size,
    spend: Math.round(spend * 1e6) / 1e6,
    eventsCost: Math.round(served.reduce((s, e) => s + e.cost_usd, 0) * 1e6) / 1e6,
    budget: BUDGET,
    overBudget: Math.round(Math.max(0, spend - BUDGET) * 1e6) / 1e6,
  });
  console.error(`${name}: done`);
}

console.log(`\nmoney soak: ${PODS} pods × ${CONCURRENCY} concurrent, ${SECONDS} s per fault, limits fail ${FAIL_CLOSED ? 'closed' : 'open'}, $${COST} per request, daily budget $${BUDGET}\n`);
console.log('| fault | served (200) | refused (429) | 503 | client errors | upstream calls | events expected | recorded | missing | unrecorded upstream calls | duplicates | spend counter | Σ event costs | spend − budget |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  if (Object.keys(r.codes).length) console.error(`${r.fault}: answers other than 200 and 429: ${JSON.stringify(r.codes)}`);
  console.log(`| ${r.fault} | ${r.served} | ${r.refused} | ${r.unavailable} | ${r.clientErrors} | ${r.upstream} | ${r.expected} | ${r.recorded} | ${r.missing} | ${r.lost} | ${r.duplicates} | $${r.spend} | $${r.eventsCost} | ${r.overBudget > 0 ? `+$${r.overBudget}` : '≤ 0'} |`);
}

await Promise.all(pods.map((p) => p.kill('SIGTERM')));
admin.disconnect();
await fake.close();
await redis.stop();
rmSync(dir, { recursive: true, force: true });
const bad = rows.some((r) => r.duplicates > 0 || Math.abs(r.spend - r.eventsCost) > 1e-6 || (FAIL_CLOSED && r.overBudget > 0));
process.exit(bad ? 1 : 0);
