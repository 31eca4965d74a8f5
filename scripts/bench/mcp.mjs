#!/usr/bin/env node
// MCP bench (not a test): the latency a tool call gains through the gateway, and tool calls per
// second on one gateway pod. A private redis-server, an upstream McpServer (official SDK,
// Streamable HTTP, JSON answers) in this process, one gateway process (dist/main.js).
//   npm run build && node scripts/bench/mcp.mjs [--calls 500] [--seconds 5] [--concurrency 16]
// Prints one JSON line of figures. The machine's other load shows in them: run it on a quiet one.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { freePort, startRedis } from '../lib/local-redis.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values: o } = parseArgs({ options: { calls: { type: 'string', default: '500' }, seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '16' } } });
const CALLS = Number(o.calls);
const SECONDS = Number(o.seconds);
const CONCURRENCY = Number(o.concurrency);

// The upstream: one tool, `add`, answered as JSON.
const sessions = new Map();
const upstream = createServer((req, res) => {
  const sid = req.headers['mcp-session-id'];
  let t = sid ? sessions.get(sid) : undefined;
  void (async () => {
    if (!t) {
      const created = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, enableJsonResponse: true, onsessioninitialized: (id) => sessions.set(id, created) });
      t = created;
      const s = new McpServer({ name: 'bench', version: '1' });
      s.registerTool('add', { inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
      await s.connect(t);
    }
    await t.handleRequest(req, res);
  })();
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}/mcp`;

const redis = await startRedis();
const redisUrl = redis.url;
const { Registry, createRedis, addMcpServer } = await import(`${root}packages/core/dist/index.js`);
const rc = createRedis({ url: redisUrl });
const registry = new Registry(rc);
await addMcpServer(registry, { name: 'bench', url: upstreamUrl });
const { raw } = await registry.createKey({ name: 'bench', mcp_tools: ['*'] });
await rc.quit();

const port = await freePort();
const gw = spawn(process.execPath, [`${root}packages/gateway/dist/main.js`], {
  env: { ...process.env, REDIS_URL: redisUrl, GW_PORT: String(port), GW_HOST: '127.0.0.1', GW_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const gwUrl = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  if ((await fetch(`${gwUrl}/ready`).catch(() => null))?.ok) break;
  if (i > 200) throw new Error('the gateway did not become ready');
  await new Promise((r) => setTimeout(r, 50));
}

async function connect(url, headers = {}) {
  const client = new Client({ name: 'bench', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return client;
}

const pct = (xs, p) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** Sequential tool calls through one SDK client: per-call latency in ms. */
async function latency(client, name) {
  for (let i = 0; i < 50; i++) await client.callTool({ name, arguments: { a: i, b: 1 } }); // warm-up
  const ms = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await client.callTool({ name, arguments: { a: i, b: 1 } });
    ms.push(performance.now() - t0);
  }
  return { p50: +pct(ms, 50).toFixed(3), p99: +pct(ms, 99).toFixed(3) };
}

/** CONCURRENCY SDK clients calling as fast as they can for SECONDS: calls per second. */
async function throughput(url, headers, name) {
  const clients = await Promise.all(Array.from({ length: CONCURRENCY }, () => connect(url, headers)));
  const end = performance.now() + SECONDS * 1000;
  let calls = 0;
  let errors = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        const r = await c.callTool({ name, arguments: { a: 1, b: 2 } }).catch(() => null);
        if (r) calls++;
        else errors++;
      }
    }),
  );
  await Promise.all(clients.map((c) => c.close()));
  return { calls_per_s: Math.round(calls / SECONDS), errors };
}

const auth = { authorization: `Bearer ${raw}` };
const direct = await connect(upstreamUrl);
const via = await connect(`${gwUrl}/mcp`, auth);
const directLat = await latency(direct, 'add');
const viaLat = await latency(via, 'bench__add');
const directTput = await throughput(upstreamUrl, {}, 'add');
const viaTput = await throughput(`${gwUrl}/mcp`, auth, 'bench__add');
await Promise.all([direct.close(), via.close()]);
console.log(
  JSON.stringify({
    calls: CALLS,
    latency_ms: { direct: directLat, gateway: viaLat, added_p50: +(viaLat.p50 - directLat.p50).toFixed(3), added_p99: +(viaLat.p99 - directLat.p99).toFixed(3) },
    throughput: { seconds: SECONDS, concurrency: CONCURRENCY, direct: directTput, gateway_one_pod: viaTput },
    cpus: (await import('node:os')).cpus().length,
  }),
);
gw.kill('SIGTERM');
await new Promise((r) => gw.once('exit', r));
await redis.stop();
upstream.closeAllConnections();
upstream.close();
