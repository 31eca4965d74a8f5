// Command-line options of `npm run bench` (see scripts/bench/README.md).
import { parseArgs } from 'node:util';
import { ALL_NAMES } from './scenarios.mjs';

export const USAGE = `usage: npm run bench -- [options]   (or: node scripts/bench/run.mjs [options] after npm run build)
  --quick               short smoke run (≈1 min): 1 run, 2 s each, 1,000 slow streams, no bare or plain proxy
  --duration <s>        seconds measured per run and cell (default 10)
  --warmup <s>          seconds of unmeasured load before each cell (default 2)
  --runs <n>            runs per cell; the table shows medians (default 3)
  --scenario <a,b>      only these: ${ALL_NAMES.join(', ')}
  --targets <a,b>       only these of direct, nginx, bare, plain, gateway (default all)
  --peers               also run the peer gateways: @portkey-ai/gateway (pinned; installed once from npm into ~/.cache/llmgw-bench)
  --peer portkey        the same, naming the peer
  --workers <n>         also run the gateway with GW_WORKERS=n (target gateway-w<n>) next to the one-worker gateway
  --maglev              also run the gateway under node --maglev (target gateway-maglev): V8's Maglev tier, opt-in on Node.js 20, the default from Node.js 22
  --connections <n>     wrk connections (default 64)
  --rate <n>            fixed-rate scenario requests/s (default 2000)
  --pin                 the measured target on cores 1…n-1, everything else (wrk, the load clients, the fake provider, Redis, this runner) on core 0 (taskset)
  --no-save             print only; do not write bench/results/
  -h, --help`;

/** Parse argv into the run's options. */
export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      runs: { type: 'string' },
      scenario: { type: 'string' },
      targets: { type: 'string' },
      peer: { type: 'string' },
      peers: { type: 'boolean', default: false },
      workers: { type: 'string' },
      maglev: { type: 'boolean', default: false },
      connections: { type: 'string', default: '64' },
      rate: { type: 'string', default: '2000' },
      pin: { type: 'boolean', default: false },
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return { help: true };
  const quick = values.quick;
  const num = (v, def, name) => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
  const list = (v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : null);
  const scenarios = list(values.scenario);
  for (const s of scenarios ?? []) if (!ALL_NAMES.includes(s) && !(quick && s === 'slow1k')) throw new Error(`unknown scenario "${s}" (${ALL_NAMES.join(', ')})`);
  const targets = list(values.targets) ?? (quick ? ['direct', 'nginx', 'gateway'] : ['direct', 'nginx', 'bare', 'plain', 'gateway']);
  for (const t of targets) if (!['direct', 'nginx', 'bare', 'plain', 'gateway'].includes(t)) throw new Error(`unknown target "${t}"`);
  if (values.peer && values.peer !== 'portkey') throw new Error(`unknown --peer "${values.peer}" (only portkey)`);
  return {
    quick,
    duration: Math.round(num(values.duration, quick ? 2 : 10, 'duration')),
    warmup: Math.round(num(values.warmup, quick ? 1 : 2, 'warmup')),
    // Quick runs warm each target up once, before its first cell; full runs before every cell.
    warmupEveryCell: !quick,
    runs: Math.round(num(values.runs, quick ? 1 : 3, 'runs')),
    scenarios,
    targets,
    peer: values.peer ?? (values.peers ? 'portkey' : null),
    workers: values.workers === undefined ? null : Math.round(num(values.workers, 1, 'workers')),
    maglev: values.maglev,
    connections: Math.round(num(values.connections, 64, 'connections')),
    rate: Math.round(num(values.rate, 2000, 'rate')),
    pin: values.pin,
    save: !values['no-save'],
  };
}
