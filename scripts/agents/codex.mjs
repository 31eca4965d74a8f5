#!/usr/bin/env node
// Run the real Codex CLI (`codex exec`, @openai/codex installed on first use into a cache dir) against a local
// stack on the fake provider: a private redis-server, the fake provider, one gateway (in this
// process), an OpenAI-type and an Anthropic-type provider. Codex gets the gateway as its base
// URL and a gateway key, once per provider, and this prints what it did: the requests the
// gateway served (transport: websocket or http), what reached the upstream, the usage recorded,
// and how long codex took (a WebSocket fallback would add seconds and show http lines).
// Not part of `npm test`. Usage: npm run build && node scripts/agents/codex.mjs  (docs/coding-agents.md)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ensureAgentCli } from '../lib/agent-cli.mjs';
import { startRedis } from '../lib/local-redis.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = (p) => `${root}packages/${p}/dist/index.js`;
for (const p of ['core', 'gateway', 'fake-provider']) {
  if (!existsSync(dist(p))) {
    console.error(`packages/${p} is not built: run \`npm run build\` first.`);
    process.exit(1);
  }
}
/** The Codex CLI version this script is checked with; installed on first use (scripts/lib/agent-cli.mjs). */
const CODEX_VERSION = '0.171.0';
const codexBin = process.env.CODEX_BIN ?? ensureAgentCli({ pkg: '@openai/codex', version: CODEX_VERSION, bin: 'codex' });
const { Registry, createRedis, RT_KEYS, usageEntryEvents } = await import(dist('core'));
const { startFakeProvider } = await import(dist('fake-provider'));
const { startGateway, loadConfig } = await import(dist('gateway'));

const TIMEOUT_MS = Number(process.env.CODEX_TIMEOUT_MS ?? 120_000);
const PROMPT = process.env.CODEX_PROMPT ?? 'Reply with one short greeting. Do not run any command.';

/** Access log lines of the gateway, kept in memory. */
const lines = [];
const logSink = new Writable({
  write(chunk, _enc, cb) {
    for (const l of chunk.toString().split('\n')) {
      if (!l) continue;
      try {
        const j = JSON.parse(l);
        if (j.msg === 'request') lines.push(j);
      } catch {
        /* not JSON */
      }
    }
    cb();
  },
});

const redisServer = await startRedis();
const fake = await startFakeProvider();
fake.setBehaviour({ content: 'Hello from the fake provider, through the gateway.', chunks: 6 });
const gw = await startGateway(loadConfig({ REDIS_URL: redisServer.url, GW_PORT: '0', GW_HOST: '127.0.0.1', GW_LOG_LEVEL: 'info', GW_POD_NAME: 'codex-demo' }), { logDestination: logSink });
const redis = createRedis({ url: redisServer.url });
const registry = new Registry(redis);
await registry.addProvider({ name: 'fake-openai', type: 'openai', base_url: fake.url, secrets: ['sk-fake-openai-upstream'] });
await registry.addProvider({ name: 'fake-anthropic', type: 'anthropic', base_url: fake.url, secrets: ['sk-ant-fake-upstream'] });
await registry.bindModel('codex-via-openai', { provider: 'fake-openai', model: 'gpt-5-codex' });
await registry.bindModel('codex-via-anthropic', { provider: 'fake-anthropic', model: 'claude-sonnet-4-5' });
const { raw: key } = await registry.createKey({ name: 'codex-demo' });
const baseUrl = `http://127.0.0.1:${gw.port}/v1`;
console.log(`stack: redis ${redisServer.url}, fake provider ${fake.url}, gateway ${baseUrl}\n`);

/** One `codex exec` with its own CODEX_HOME whose config points at the gateway. */
function runCodex(model) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-home-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-work-'));
  writeFileSync(
    path.join(home, 'config.toml'),
    [
      'model_provider = "gateway"',
      `model = "${model}"`,
      '[model_providers.gateway]',
      'name = "LLM gateway"',
      `base_url = "${baseUrl}"`,
      'env_key = "GW_KEY"',
      'wire_api = "responses"',
      'supports_websockets = true',
      '',
    ].join('\n'),
  );
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(codexBin, ['exec', '--skip-git-repo-check', '--sandbox', 'read-only', '-C', work, PROMPT], {
      env: { ...process.env, CODEX_HOME: home, GW_KEY: key, OPENAI_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
      resolve({ code, signal, ms: Date.now() - started, out });
    });
  });
}

let failed = false;
for (const model of ['codex-via-openai', 'codex-via-anthropic']) {
  const fromLine = lines.length;
  const fromUpstream = fake.received.length;
  const r = await runCodex(model);
  await new Promise((res) => setTimeout(res, 200)); // the last access line is written just after the answer
  const served = lines.slice(fromLine);
  const upstream = fake.received.slice(fromUpstream);
  const ws = served.filter((l) => l.transport === 'websocket');
  const http = served.filter((l) => l.transport !== 'websocket');
  console.log(`=== codex exec -m ${model}: exit ${r.code ?? r.signal} in ${r.ms} ms`);
  console.log('--- codex output (last lines)');
  console.log(r.out.trim().split('\n').slice(-8).map((l) => `  ${l}`).join('\n'));
  console.log('--- requests the gateway served');
  for (const l of served) {
    const t = l.tokens ? `tokens in ${l.tokens.prompt} out ${l.tokens.completion}${l.tokens.estimated ? ' (estimated)' : ''}` : 'no usage';
    console.log(`  ${l.transport.padEnd(9)} ${l.method} ${l.endpoint} ${l.status} model=${l.model ?? '-'} provider=${l.provider ?? '-'} ${t} ${l.durationMs} ms`);
  }
  console.log('--- upstream requests (fake provider)');
  for (const u of upstream) console.log(`  ${u.method ?? 'POST'} ${u.path}`);
  const responses = served.filter((l) => l.endpoint === '/responses');
  const usage = responses.reduce((a, l) => ({ p: a.p + (l.tokens?.prompt ?? 0), c: a.c + (l.tokens?.completion ?? 0) }), { p: 0, c: 0 });
  console.log(`--- transport: ${ws.length} response(s) over the WebSocket, ${http.filter((l) => l.endpoint === '/responses').length} over HTTP POST`);
  console.log(`--- usage recorded: ${usage.p} prompt + ${usage.c} completion tokens over ${responses.length} response(s)\n`);
  if (r.code !== 0 || ws.length === 0 || http.some((l) => l.endpoint === '/responses')) failed = true;
}
const events = (await redis.xrange(RT_KEYS.usageStream, '-', '+')).flatMap(([, f]) => usageEntryEvents(f)).length;
console.log(`usage events in Redis (gw:rt:{usage}:events): ${events}`);

await gw.shutdown(2000);
await fake.close();
await redis.quit();
await registry.redis.quit?.().catch(() => {});
await redisServer.stop();
console.log(failed ? 'RESULT: something did not go over the WebSocket or codex failed (see above)' : 'RESULT: codex used the WebSocket transport on both providers, no HTTP fallback');
process.exit(failed ? 1 : 0);
