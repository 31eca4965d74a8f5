#!/usr/bin/env node
// Runs the real Claude Code CLI (`claude -p`, @anthropic-ai/claude-code installed on first use into a cache dir) against a local
// stack — a private redis-server, the fake provider, one gateway process — and prints what it
// did: the requests the gateway served (endpoint, status, model, provider, tokens), what reached
// the upstream (path, anthropic-beta, cache_control, thinking), and the usage recorded.
//
// Claude Code runs twice, with the gateway as ANTHROPIC_BASE_URL and a gateway key as
// ANTHROPIC_API_KEY: once on a model served by an Anthropic-type provider (passed through), once
// on a model served by an OpenAI-type provider (converted to chat completions and back). Both
// providers point at the same fake provider, which speaks both APIs. Nothing leaves this machine:
// telemetry, error reporting and the auto-updater are switched off.
//
//   npm run build && node scripts/agents/claude-code.mjs [--prompt "…"] [--keep-going]
//   CLAUDE_BIN=/path/to/claude node scripts/agents/claude-code.mjs   (another claude binary)
//
// Exit code 0 when both runs succeed and every one of their requests was answered 2xx.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureAgentCli } from '../lib/agent-cli.mjs';
import { freePort, startRedis } from '../lib/local-redis.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = (p) => path.join(root, 'packages', p, 'dist', 'index.js');
for (const p of ['core', 'gateway', 'fake-provider']) {
  if (!existsSync(dist(p))) {
    console.error(`packages/${p} is not built: run \`npm run build\` first.`);
    process.exit(1);
  }
}
/** The Claude Code version this script is checked with; installed on first use (scripts/lib/agent-cli.mjs). */
const CLAUDE_CODE_VERSION = '2.1.332';
const claudeBin = process.env.CLAUDE_BIN ?? ensureAgentCli({ pkg: '@anthropic-ai/claude-code', version: CLAUDE_CODE_VERSION, bin: 'claude' });
if (!existsSync(claudeBin)) {
  console.error(`no claude binary at ${claudeBin} (CLAUDE_BIN).`);
  process.exit(1);
}

const { values: args } = parseArgs({
  options: {
    prompt: { type: 'string', default: 'Reply with one short sentence: what is a gateway?' },
    'keep-going': { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
  },
});

const { Registry, createRedis, usageEntryEvents, RT_KEYS } = await import(dist('core'));
const { startFakeProvider, FAKE_THINKING_SIGNATURE } = await import(dist('fake-provider'));

const GATEWAY_KEY = `gw-claude-code-demo-${Math.random().toString(36).slice(2, 12)}`;
/** Written in the file Claude Code is asked to read: seen in the second upstream request, the tool result came back. */
const SECRET_WORD = 'pelican-42';
// The fake answers like a model that cached most of a long system prompt. Anthropic counts cache
// reads and writes (5-minute and 1-hour) outside input_tokens; OpenAI's prompt_tokens include
// its cached_tokens, and it has no cache writes.
const RUNS = [
  {
    label: 'Anthropic-type provider (pass-through)',
    model: 'claude-sonnet-4-5',
    behaviour: { promptTokens: 120, cachedTokens: 4000, cacheWrite5mTokens: 600, cacheWrite1hTokens: 900 },
  },
  {
    label: 'OpenAI-type provider (Messages ↔ chat completions)',
    model: 'claude-via-openai',
    behaviour: { promptTokens: 5620, cachedTokens: 4000, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 },
  },
];
const stops = [];
const stopAll = async () => {
  for (const s of stops.reverse()) await s().catch(() => {});
};

try {
  process.exitCode = await main();
} finally {
  await stopAll();
}

async function main() {
  const redisServer = await startRedis();
  stops.push(() => redisServer.stop());
  const fake = await startFakeProvider({ behaviour: { usage: true } });
  stops.push(() => fake.close());

  const redis = createRedis({ url: redisServer.url });
  stops.push(() => redis.quit());
  const reg = new Registry(redis);
  await reg.addProvider({ name: 'fake-anthropic', type: 'anthropic', base_url: fake.url, secrets: ['sk-ant-fake-upstream'] });
  await reg.addProvider({ name: 'fake-openai', type: 'openai', base_url: fake.url, secrets: ['sk-oai-fake-upstream'] });
  await reg.bindModel('claude-sonnet-4-5', { provider: 'fake-anthropic', model: 'claude-sonnet-4-5-20250929' });
  await reg.bindModel('claude-via-openai', { provider: 'fake-openai', model: 'gpt-4o' });
  await reg.createKey({ name: 'claude-code-demo' }, GATEWAY_KEY);

  const gw = await startGatewayProcess(redisServer.url);
  stops.push(gw.stop);
  console.log(`stack: redis ${redisServer.url}, fake provider ${fake.url}, gateway ${gw.url}`);
  console.log(`claude: ${claudeBin} (${(await run(claudeBin, ['--version'], {})).stdout.trim()})\n`);

  let ok = true;
  for (const r of RUNS) {
    const fromAccess = gw.lines.length;
    const fromFake = fake.received.length;
    fake.setBehaviour(r.behaviour);
    // Turn 1: the "model" asks to read a file of the working directory (Claude Code runs its Read
    // tool); turn 2: it answers. The tool result goes back through the gateway.
    const result = await runClaude(gw.url, r.model, (cwd) => {
      const file = path.join(cwd, 'NOTES.md');
      writeFileSync(file, `${SECRET_WORD}\n`);
      fake.enqueue({ toolCall: { name: 'Read', arguments: { file_path: file } } });
    });
    await waitFor(() => gw.lines.slice(fromAccess).length > 0, 2000);
    const served = gw.lines.slice(fromAccess);
    const upstream = fake.received.slice(fromFake);
    const toolResultBack = upstream.some((u) => (u.body ?? '').includes(SECRET_WORD));
    const runOk = result.code === 0 && result.json?.is_error === false && toolResultBack && served.length > 1 && served.every((l) => l.status < 300);
    ok &&= runOk;
    printRun(r, result, served, upstream, runOk);
    if (!runOk && !args['keep-going']) break;
  }
  await printUsage(redis);
  return ok ? 0 : 1;
}

/** The built gateway as its own process on free ports; its JSON access lines collected. */
async function startGatewayProcess(redisUrl) {
  const port = await freePort();
  const adminPort = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'packages/gateway/dist/main.js')], {
    env: { ...process.env, REDIS_URL: redisUrl, GW_PORT: String(port), GW_HOST: '127.0.0.1', GW_ADMIN_PORT: String(adminPort), GW_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  let buf = '';
  let listening = false;
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let j;
      try {
        j = JSON.parse(line);
      } catch {
        continue;
      }
      if (j.msg === 'request') lines.push(j);
      if (String(j.msg).includes('gateway listening')) listening = true;
    }
  });
  await waitFor(() => listening || child.exitCode !== null, 15_000);
  if (!listening) throw new Error(`the gateway did not start:\n${stderr.slice(-2000)}`);
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  return { url: `http://127.0.0.1:${port}`, lines, stop };
}

/** `claude -p` with the gateway as its API, in an empty HOME and working directory of its own. */
async function runClaude(baseUrl, model, prepare) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-claude-home-'));
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'llmgw-claude-cwd-'));
  prepare(cwd);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: GATEWAY_KEY,
    // Every model Claude Code picks on its own (the small/fast one for titles, …) is the one under test.
    ANTHROPIC_MODEL: model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
    ANTHROPIC_DEFAULT_SONNET_MODEL: model,
    ANTHROPIC_DEFAULT_OPUS_MODEL: model,
    ANTHROPIC_SMALL_FAST_MODEL: model,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
  };
  try {
    const r = await run(claudeBin, ['-p', args.prompt, '--model', model, '--output-format', 'json', ...(args.full ? [] : ['--bare']), '--max-turns', '3', '--allowedTools', 'Read'], { env, cwd, timeoutMs: 120_000 });
    let json = null;
    try {
      json = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
    } catch {
      /* not JSON: printed raw below */
    }
    return { ...r, json };
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}

function printRun(r, result, served, upstream, ok) {
  console.log(`=== claude -p --model ${r.model}: ${r.label} — ${ok ? 'OK' : 'FAILED'}`);
  if (result.json) {
    const j = result.json;
    console.log(`  claude said: ${JSON.stringify(j.result)}`);
    console.log(`  claude's own accounting: turns ${j.num_turns}, usage ${JSON.stringify(j.usage ?? {})}`);
  } else {
    console.log(`  claude exited ${result.code}; stdout: ${result.stdout.slice(-1000)}\n  stderr: ${result.stderr.slice(-1000)}`);
  }
  console.log(`  requests the gateway served (${served.length}):`);
  for (const l of served) {
    const t = l.tokens ? `prompt ${l.tokens.prompt}, completion ${l.tokens.completion}, cached ${l.tokens.cached}, cache write ${l.tokens.cacheWrite ?? 0} (1h ${l.tokens.cacheWrite1h ?? 0})` : 'no tokens';
    console.log(`    ${l.method} ${l.endpoint} → ${l.status}${l.stream ? ' (stream)' : ''}  model ${l.model ?? '-'} via ${l.provider ?? '-'}  ${t}  $${l.costUsd ?? 0}`);
  }
  console.log(`  what reached the upstream (${upstream.length}):`);
  for (const u of upstream) {
    const j = u.json ?? {};
    const body = u.body ?? '';
    const facts = [
      `model ${j.model}`,
      j.stream ? 'stream' : 'plain',
      u.headers['anthropic-beta'] ? `anthropic-beta: ${u.headers['anthropic-beta']}` : 'no anthropic-beta',
      `cache_control marks: ${(body.match(/"cache_control"/g) ?? []).length}`,
      j.thinking ? `thinking ${JSON.stringify(j.thinking)}` : null,
      Array.isArray(j.tools) ? `tools ${j.tools.map((t) => t.name ?? t.function?.name).join(' ')}` : null,
      body.includes(SECRET_WORD) ? 'carries the Read tool result' : null,
      thinkingSentBack(j),
    ].filter(Boolean);
    console.log(`    ${u.method} ${u.path} → ${u.status}  ${facts.join(', ')}`);
  }
  console.log('');
}

/** The signed thinking blocks of earlier turns that Claude Code sent back (Anthropic upstreams only). */
function thinkingSentBack(j) {
  const blocks = (Array.isArray(j.messages) ? j.messages : []).flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b) => b.type === 'thinking');
  if (blocks.length === 0) return null;
  const intact = blocks.filter((b) => b.signature === FAKE_THINKING_SIGNATURE).length;
  return `${blocks.length} thinking block(s) sent back, ${intact} with the upstream's signature intact`;
}

async function printUsage(redis) {
  const events = (await redis.xrange(RT_KEYS.usageStream, '-', '+')).flatMap(([, f]) => usageEntryEvents(f));
  console.log(`usage recorded by the gateway (${events.length} events, as \`gwctl usage\` reads them):`);
  for (const e of events) {
    console.log(
      `  ${e.endpoint} ${e.model} via ${e.provider}: prompt ${e.prompt_tokens}, completion ${e.completion_tokens}, cached ${e.cached_tokens}, ` +
        `cache write ${e.cache_write_tokens} (1h ${e.cache_write_1h_tokens}), $${e.cost_usd}, status ${e.status}${e.stream ? ', stream' : ''}`,
    );
  }
}

function run(cmd, argv, { env = process.env, cwd = root, timeoutMs = 30_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function waitFor(check, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}
