// Upstream MCP servers for end-to-end tests, built with the official SDK's McpServer and served
// over Streamable HTTP (stateful, one upstream session per client) or the older HTTP+SSE transport.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** What an upstream saw: the tools called, and the Authorization header of each HTTP request. */
interface UpstreamLog {
  calls: string[];
  authorizations: Array<string | undefined>;
}

/** A small server: tools add, slow, big, `echo.upper` (a name no LLM API accepts as is); a resource, a template, a prompt. */
function buildMcpServer(name: string, log: UpstreamLog): McpServer {
  const s = new McpServer({ name: `${name}-upstream`, version: '1.0.0' });
  s.registerTool('add', { description: 'add two numbers', inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }) => {
    log.calls.push('add');
    return { content: [{ type: 'text', text: String(a + b) }] };
  });
  s.registerTool('echo.upper', { description: 'upper-case a text', inputSchema: { text: z.string() } }, ({ text }) => {
    log.calls.push('echo.upper');
    return { content: [{ type: 'text', text: text.toUpperCase() }] };
  });
  s.registerTool('slow', { description: 'answers after ms', inputSchema: { ms: z.number() } }, async ({ ms }) => {
    log.calls.push('slow');
    await new Promise((r) => setTimeout(r, ms));
    return { content: [{ type: 'text', text: 'done' }] };
  });
  s.registerResource('readme', 'file:///readme.txt', { mimeType: 'text/plain', description: 'the readme' }, (uri) => ({ contents: [{ uri: uri.href, text: `readme of ${name}` }] }));
  s.registerResource('note', new ResourceTemplate('note://{id}', { list: undefined }), { description: 'a note by id' }, (uri, vars) => ({ contents: [{ uri: uri.href, text: `note ${String(vars.id)} of ${name}` }] }));
  s.registerPrompt('greet', { description: 'greets', argsSchema: { who: z.string() } }, ({ who }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hello ${who} from ${name}` } }] }));
  return s;
}

export interface McpUpstream {
  url: string;
  port: number;
  log: UpstreamLog;
  /** Stop listening and drop every connection (a crash, as the gateway sees it). */
  kill(): Promise<void>;
  /** Listen again on the same port, with no memory of earlier sessions. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function listenOn(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function handlerFor(transport: 'http' | 'sse', name: string, log: UpstreamLog): (req: IncomingMessage, res: ServerResponse) => void {
  const sessions = new Map<string, StreamableHTTPServerTransport | SSEServerTransport>();
  return (req, res) => {
    log.authorizations.push(req.headers.authorization);
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (transport === 'sse') {
        if (req.method === 'GET' && url.pathname === '/sse') {
          const t = new SSEServerTransport('/messages', res);
          sessions.set(t.sessionId, t);
          await buildMcpServer(name, log).connect(t);
          return;
        }
        const t = sessions.get(url.searchParams.get('sessionId') ?? '') as SSEServerTransport | undefined;
        if (req.method === 'POST' && url.pathname === '/messages' && t) return void (await t.handlePostMessage(req, res));
        res.writeHead(404).end();
        return;
      }
      if (url.pathname !== '/mcp') return void res.writeHead(404).end();
      const sid = req.headers['mcp-session-id'];
      let t = typeof sid === 'string' ? (sessions.get(sid) as StreamableHTTPServerTransport | undefined) : undefined;
      if (!t) {
        if (sid) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}');
        const created = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), enableJsonResponse: true, onsessioninitialized: (id) => void sessions.set(id, created) });
        t = created;
        await buildMcpServer(name, log).connect(t);
      }
      await t.handleRequest(req, res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}

/** An upstream MCP server on a free port: `http` (Streamable HTTP at /mcp) or `sse` (GET /sse + POST /messages). */
export async function startMcpUpstream(transport: 'http' | 'sse', name: string): Promise<McpUpstream> {
  const log: UpstreamLog = { calls: [], authorizations: [] };
  let server = createServer(handlerFor(transport, name, log));
  const port = await listenOn(server, 0);
  const path = transport === 'sse' ? '/sse' : '/mcp';
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    log,
    kill: stop,
    async restart() {
      server = createServer(handlerFor(transport, name, log));
      await listenOn(server, port);
    },
    close: stop,
  };
}
