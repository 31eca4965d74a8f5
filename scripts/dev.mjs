#!/usr/bin/env node
// `npm run dev`: the whole stack on this machine, nothing to configure.
//   Redis      — REDIS_URL if reachable, else a private redis-server started here
//   upstream   — the fake provider (OpenAI + Anthropic compatible) on a free port
//   registry   — a demo provider, models and a demo key (idempotent)
//   gateway    — packages/gateway/dist/main.js on GW_PORT (default 8080), admin on GW_ADMIN_PORT (9090)
//   console    — packages/console/dist/main.js on CONSOLE_PORT (default 3000), with a fresh `dev` admin token
//   mcp-bridge — the demo stdio MCP server behind the bridge on a free port, registered as MCP server `demo`
// A port already in use (a second `npm run dev`, anything else) stops it at once, naming the
// port and the process, before Redis is touched. Ctrl-C stops everything, exit code 0.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pingRedis, REDIS_INSTALL_HINT, hasRedisServer, startRedis } from './lib/local-redis.mjs';
import { portOwner, probePort } from './lib/port-owner.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => `${root}packages/${p}/dist/index.js`;
for (const p of ['core', 'gateway', 'fake-provider']) {
  if (!existsSync(dist(p))) {
    console.error(`packages/${p} is not built: run \`npm run build\` (npm run dev does it for you).`);
    process.exit(1);
  }
}
const { Registry, createRedis, createAdminToken, deleteAdminToken } = await import(dist('core'));
const { startFakeProvider } = await import(dist('fake-provider'));

/** The demo key is fixed so the printed curl keeps working across restarts. Local use only. */
const DEMO_KEY = process.env.DEMO_KEY ?? 'gw-demo-local-only-0123456789abcdef';
const GW_PORT = process.env.GW_PORT ?? '8080';
const GW_HOST = process.env.GW_HOST ?? '127.0.0.1';
const GW_ADMIN_PORT = process.env.GW_ADMIN_PORT ?? '9090';
const CONSOLE_PORT = process.env.CONSOLE_PORT ?? '3000';
const stops = [];

/**
 * Every fixed port this stack will listen on must be free now: otherwise one line naming the
 * port and who holds it, exit 1, and nothing touched (a second stack used to re-point the demo
 * provider at its own fake upstream, so the first one answered 502 once the second stopped).
 */
async function checkPorts() {
  const wanted = [
    ['GW_PORT', GW_PORT, GW_HOST],
    ['GW_ADMIN_PORT', GW_ADMIN_PORT, process.env.GW_ADMIN_HOST ?? '127.0.0.1'],
    ['FAKE_PORT', process.env.FAKE_PORT ?? '0', '127.0.0.1'],
    ['CONSOLE_PORT', CONSOLE_PORT, process.env.CONSOLE_HOST ?? '127.0.0.1'],
  ];
  for (const [name, value, host] of wanted) {
    const port = Number(value);
    if (!value || !Number.isInteger(port) || port <= 0) continue; // unset, or any free port
    const err = await probePort(port, host);
    if (err === null) continue;
    const owner = err === 'EADDRINUSE' ? portOwner(port) : null;
    const who = err !== 'EADDRINUSE' ? `cannot be listened on (${err})` : owner ? `is already in use by ${owner}` : 'is already in use';
    console.error(`npm run dev: port ${port} (${name}) on ${host} ${who}; stop it (another npm run dev?) or choose another port: ${name}=${port + 1} npm run dev`);
    process.exit(1);
  }
}

async function ensureRedis() {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  if (await pingRedis(url.hostname, Number(url.port || 6379))) return url.toString();
  if (process.env.REDIS_URL) {
    console.error(`REDIS_URL=${process.env.REDIS_URL} is not reachable.`);
    process.exit(1);
  }
  if (!hasRedisServer()) {
    console.error(REDIS_INSTALL_HINT);
    process.exit(1);
  }
  const port = (await pingRedis('127.0.0.1', 6379)) ? undefined : 6379;
  const r = await startRedis({ port }).catch(() => startRedis());
  stops.push(() => r.stop());
  console.log(`started a private redis-server at ${r.url} (no persistence; stops with this script)`);
  return r.url;
}

async function seed(redisUrl, fakeUrl) {
  const redis = createRedis({ url: redisUrl });
  const reg = new Registry(redis);
  const provider = await reg.getProvider('demo');
  if (!provider) {
    await reg.addProvider({ name: 'demo', base_url: fakeUrl, secrets: ['sk-demo-upstream-secret'], models: ['gpt-4o-mini', 'text-embedding-3-small'] });
  } else if (provider.base_url !== fakeUrl) {
    await reg.updateProvider('demo', () => ({ base_url: fakeUrl }));
  }
  for (const m of ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small', 'claude-3-5-haiku']) {
    const model = await reg.getModel(m);
    if (!model) await reg.bindModel(m, { provider: 'demo' });
  }
  if (!(await reg.getKeyByRaw(DEMO_KEY))) {
    const existing = await reg.findKey('demo').catch(() => null);
    if (existing) await reg.deleteKey(existing.hash);
    await reg.createKey({ name: 'demo', rpm: 6000 }, DEMO_KEY);
  }
  // The console's sign-in: a new `dev` admin token each run (only its hash is stored, so an old one cannot be shown again).
  await deleteAdminToken(redis, 'dev', 'npm-run-dev').catch(() => {});
  const { raw } = await createAdminToken(redis, 'dev', 'admin', 'npm-run-dev');
  await redis.quit();
  return raw;
}

await checkPorts();
const redisUrl = await ensureRedis();
const fake = await startFakeProvider({ port: Number(process.env.FAKE_PORT ?? 0), record: false });
stops.push(() => fake.close());
console.log(`fake provider at ${fake.url}`);
const consoleToken = await seed(redisUrl, fake.url);
const mcpDemo = await startMcpDemo(redisUrl);

// In a process group of its own: a terminal's Ctrl-C reaches this script only, which stops the
// gateway once (two signals would cut its drain short and make it exit 1).
const gw = spawn(process.execPath, [`${root}packages/gateway/dist/main.js`], {
  // One worker process in development (one stream of logs, one process to debug) unless GW_WORKERS says.
  env: { ...process.env, REDIS_URL: redisUrl, GW_PORT, GW_HOST, GW_ADMIN_PORT, GW_WORKERS: process.env.GW_WORKERS ?? '1' },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
const gatewayRunning = () => gw.exitCode === null && gw.signalCode === null;
const con = spawn(process.execPath, [`${root}packages/console/dist/main.js`], {
  env: { ...process.env, REDIS_URL: redisUrl, CONSOLE_PORT },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
const consoleRunning = () => con.exitCode === null && con.signalCode === null;
con.stdout.on('data', (d) => {
  process.stdout.write(d);
  if (d.toString().includes('console listening')) {
    console.log(`\nThe console is up on http://127.0.0.1:${CONSOLE_PORT}/ — sign in with the admin token (new each run):\n\n  ${consoleToken}\n`);
  }
});
// Whatever ends this script (an uncaught error included) ends the gateway and the console too.
process.on('exit', () => {
  if (gatewayRunning()) gw.kill('SIGTERM');
  if (consoleRunning()) con.kill('SIGTERM');
});
let announced = false;
gw.stdout.on('data', (d) => {
  process.stdout.write(d);
  if (!announced && d.toString().includes('gateway listening')) {
    announced = true;
    console.log(`
The gateway is up on http://127.0.0.1:${GW_PORT} (Redis ${redisUrl}, upstream: the fake provider).
Demo key (local only): ${DEMO_KEY}

  curl http://127.0.0.1:${GW_PORT}/v1/chat/completions -H "Authorization: Bearer ${DEMO_KEY}" \\
       -H "Content-Type: application/json" \\
       -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'

  REDIS_URL=${redisUrl} ops/gwctl provider list

MCP at http://127.0.0.1:${GW_PORT}/mcp (same key; tools ${mcpDemo}).
Ctrl-C stops everything.
`);
  }
});
let stopping = false;
const shutdown = async () => {
  if (stopping) return; // Ctrl-C twice, or npm forwarding the terminal's signal again
  stopping = true;
  if (consoleRunning()) con.kill('SIGTERM');
  if (gatewayRunning()) {
    const exited = new Promise((r) => gw.once('exit', r));
    gw.kill('SIGTERM');
    await exited;
  }
  for (const s of stops.reverse()) await s();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
gw.on('exit', (code) => {
  if (stopping) return;
  if (code !== 0 && code !== null) {
    console.error(`gateway exited with code ${code}`);
    void (async () => {
      for (const s of stops.reverse()) await s();
      process.exit(code);
    })();
  }
});

/**
 * The mcp-bridge running the demo stdio server (packages/mcp-bridge/dist/demo-server.js),
 * registered as MCP server `demo` and granted to the demo key (idempotent). Returns the tool names.
 */
async function startMcpDemo(redisUrl) {
  const { startBridge } = await import(`${root}packages/mcp-bridge/dist/bridge.js`);
  const { loadBridgeConfig } = await import(`${root}packages/mcp-bridge/dist/config.js`);
  const { addMcpServer, updateMcpServer, getMcpServer, hashKey } = await import(dist('core'));
  const servers = { mcpServers: { demo: { command: process.execPath, args: [`${root}packages/mcp-bridge/dist/demo-server.js`] } } };
  const bridge = await startBridge(loadBridgeConfig({ MCP_BRIDGE_SERVERS: JSON.stringify(servers), MCP_BRIDGE_PORT: process.env.MCP_BRIDGE_PORT ?? '0' }));
  stops.push(() => bridge.close());
  const url = `http://127.0.0.1:${bridge.port}/demo/mcp`;
  const redis = createRedis({ url: redisUrl });
  const registry = new Registry(redis);
  if (await getMcpServer(registry, 'demo')) await updateMcpServer(registry, 'demo', () => ({ url }));
  else await addMcpServer(registry, { name: 'demo', url, description: 'npm run dev: the demo stdio server behind the mcp-bridge' });
  const key = await registry.getKeyByHash(hashKey(DEMO_KEY));
  if (key && !key.mcp_tools.includes('demo__*')) await registry.updateKey(key.hash, (k) => ({ mcp_tools: [...k.mcp_tools, 'demo__*'] }));
  await redis.quit();
  console.log(`mcp-bridge at ${url}`);
  return 'demo__add, demo__now';
}
