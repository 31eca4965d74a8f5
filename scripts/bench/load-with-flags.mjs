#!/usr/bin/env node
// The gateway under one wrk window with extra node flags, its working directory a temp dir
// kept afterwards: for V8 logs (`--log-ic`, `--prof`, `--trace-deopt`) taken under load.
//   node scripts/bench/load-with-flags.mjs --scenario chat --duration 4 -- --log-ic --logfile=v8.log
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { headersFor, THROUGHPUT, writeBody } from './lib/scenarios.mjs';
import * as stack from './lib/stack.mjs';
import { runWrk, writeWrkScript } from './lib/wrk.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { scenario: { type: 'string', default: 'chat' }, duration: { type: 'string', default: '4' }, main: { type: 'string' } },
});
const sc = THROUGHPUT.find((s) => s.name === values.scenario);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-flags-'));
const redis = await stack.startRedis();
const fake = await stack.startFake();
let gw;
try {
  const rawKey = await stack.seedRegistry(redis.url, fake.url);
  const nodeArgs = positionals.map((a) => a.replace('{dir}', tmp));
  gw = await stack.startGatewayProcess(redis.url, { nodeArgs, ...(values.main ? { main: values.main } : {}) });
  const script = writeWrkScript(tmp, sc.name, { headers: headersFor(sc, gw, rawKey), bodyFile: writeBody(tmp, sc) });
  const r = await runWrk({ url: gw.origin + sc.path, script, durationS: Number(values.duration), connections: 64 });
  process.stdout.write(`${sc.name}: ${Math.round(r.rps)} req/s; output in ${tmp}\n`);
} finally {
  await gw?.stop();
  await fake.stop();
  await redis.stop();
}
