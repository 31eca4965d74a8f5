import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { BridgeConfig, StdioServerConfig } from './config.js';

/**
 * The bridge: each configured stdio MCP server is served at `/{name}/mcp` (Streamable HTTP).
 * Every HTTP session gets its own child process, started at `initialize` and ended with the
 * session (DELETE, idle past MCP_BRIDGE_IDLE_MS, shutdown); messages are passed through as they
 * are, both ways. The gateway opens one upstream session per pod and server, so a bridge runs
 * (pods × servers) children, outside the pods.
 */

interface Session {
  http: StreamableHTTPServerTransport;
  child: StdioClientTransport;
  lastSeen: number;
}

export interface RunningBridge {
  port: number;
  /** Sessions (child processes) alive now, per server. */
  sessions(): Record<string, number>;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const rpcError = (message: string) => ({ jsonrpc: '2.0', id: null, error: { code: -32000, message } });

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const want = Buffer.from(`Bearer ${token}`);
  return given.length === want.length && timingSafeEqual(given, want);
}

async function openSession(name: string, cfg: StdioServerConfig, sessions: Map<string, Session>, log: (m: string) => void): Promise<StreamableHTTPServerTransport> {
  const child = new StdioClientTransport({ command: cfg.command, args: cfg.args, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...cfg.env }, ...(cfg.cwd ? { cwd: cfg.cwd } : {}), stderr: 'inherit' });
  const http: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    enableJsonResponse: true,
    onsessioninitialized: (id) => void sessions.set(id, { http, child, lastSeen: Date.now() }),
  });
  http.onmessage = (msg) => void child.send(msg).catch((e: Error) => log(`${name}: to the process: ${e.message}`));
  child.onmessage = (msg) => void http.send(msg).catch((e: Error) => log(`${name}: to the client: ${e.message}`));
  const end = () => {
    if (http.sessionId) sessions.delete(http.sessionId);
    void child.close().catch(() => {});
    void http.close().catch(() => {});
  };
  http.onclose = end;
  child.onclose = end;
  child.onerror = (e) => log(`${name}: process: ${e.message}`);
  await child.start();
  await http.start();
  return http;
}

export async function startBridge(cfg: BridgeConfig, log: (m: string) => void = (m) => process.stderr.write(`mcp-bridge: ${m}\n`)): Promise<RunningBridge> {
  const sessions = new Map<string, Map<string, Session>>(Object.keys(cfg.servers).map((n) => [n, new Map()]));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bridge');
    if (url.pathname === '/health') return json(res, 200, { status: 'ok', servers: Object.keys(cfg.servers) });
    const m = /^\/([^/]+)\/mcp\/?$/.exec(url.pathname);
    const name = m?.[1];
    const srv = name ? cfg.servers[name] : undefined;
    if (!name || !srv) return json(res, 404, rpcError(`no stdio server here; this bridge serves ${Object.keys(cfg.servers).map((n) => `/${n}/mcp`).join(', ')}`));
    if (!authorized(req, cfg.MCP_BRIDGE_TOKEN)) return json(res, 401, rpcError('Unauthorized'));
    const own = sessions.get(name)!;
    const sid = req.headers['mcp-session-id'];
    void (async () => {
      let transport: StreamableHTTPServerTransport;
      if (typeof sid === 'string') {
        const s = own.get(sid);
        if (!s) return json(res, 404, rpcError('Session not found'));
        s.lastSeen = Date.now();
        transport = s.http;
      } else {
        if (req.method !== 'POST') return json(res, 400, rpcError('Bad Request: no session'));
        transport = await openSession(name, srv, own, log);
      }
      await transport.handleRequest(req, res);
    })().catch((e: Error) => {
      log(`${name}: ${e.message}`);
      if (!res.headersSent) json(res, 502, rpcError(`the stdio server "${name}" could not be started or failed`));
    });
  });
  const sweep = setInterval(() => {
    const idle = Date.now() - cfg.MCP_BRIDGE_IDLE_MS;
    for (const own of sessions.values()) for (const s of own.values()) if (s.lastSeen < idle) void s.http.close();
  }, Math.min(cfg.MCP_BRIDGE_IDLE_MS, 30_000));
  sweep.unref();
  await new Promise<void>((resolve) => server.listen(cfg.MCP_BRIDGE_PORT, cfg.MCP_BRIDGE_HOST, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sessions: () => Object.fromEntries([...sessions].map(([n, s]) => [n, s.size])),
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.values()].flatMap((own) => [...own.values()].map((s) => s.http.close())));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
