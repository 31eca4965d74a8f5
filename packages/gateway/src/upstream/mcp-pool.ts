import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { resolveMcpHeaders, type McpServer } from '@llmgw/core';
import type { Logger } from '../logger.js';
import type { McpCooldowns } from './mcp-cooldowns.js';

/**
 * The pod's connections to upstream MCP servers (the only module of the gateway that talks to
 * them): one official-SDK `Client` per server, opened on first use and reused by every client
 * session of this pod, opened again when the server's record changes or the connection fails.
 * A server that fails (unreachable, too slow, an answer that is not MCP) cools down for
 * `cooldownMs` on every pod (mcp-cooldowns.ts): its calls are answered at once with an error
 * instead of waiting again.
 */

export interface McpPoolOptions {
  /** Deadline of one upstream call (connect included) when the server sets none. */
  timeoutMs: number;
  cooldownMs: number;
  /** Where cooldowns are kept (shared through Redis: mcp-cooldowns.ts). */
  cooldowns: McpCooldowns;
  /** Where `env:VAR` header values are read (the pod's environment). */
  env: NodeJS.ProcessEnv;
  log: Logger;
}

/** Why an upstream MCP call failed. `rpc`: the upstream answered with a JSON-RPC error (passed on; not a failure of the server). */
export type McpFailure = 'unreachable' | 'timeout' | 'protocol' | 'cooling_down' | 'misconfigured' | 'rpc';

export class McpUpstreamError extends Error {
  constructor(
    readonly server: string,
    readonly failure: McpFailure,
    message: string,
    /** The upstream's JSON-RPC code (failure `rpc`). */
    readonly rpcCode?: number,
    /** What the SDK said, for the pod's log only (never to a client: it may quote the upstream). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'McpUpstreamError';
  }
}

interface Connection {
  /** `updated_at` of the record it was opened with. */
  version: string;
  client: Promise<Client>;
}

export class McpPool {
  private readonly conns = new Map<string, Connection>();

  constructor(private readonly o: McpPoolOptions) {}

  /** Run `call` on the server's connection, within its deadline; failures become McpUpstreamErrors. */
  async request<T>(server: McpServer, call: (c: Client, opts: { timeout: number; maxTotalTimeout: number }) => Promise<T>): Promise<T> {
    const until = await this.o.cooldowns.until(server.name);
    if (until > Date.now()) throw new McpUpstreamError(server.name, 'cooling_down', `MCP server "${server.name}" failed recently; it is skipped for ${Math.ceil((until - Date.now()) / 1000)} s more`);
    const timeout = server.timeout_ms ?? this.o.timeoutMs;
    const opts = { timeout, maxTotalTimeout: timeout };
    let reused = this.conns.get(server.name)?.version === (server.updated_at ?? '');
    for (;;) {
      const conn = this.connection(server, timeout);
      try {
        const client = await conn.client;
        const out = await call(client, opts);
        this.o.cooldowns.clear(server.name);
        return out;
      } catch (e) {
        const err = this.classify(server.name, e, timeout);
        // The upstream's JSON-RPC error to a call: the connection is fine. (One to initialize is not.)
        if (err.failure === 'rpc' && (await conn.client.then(() => true, () => false))) throw err;
        this.drop(server.name, conn);
        // Refused credentials or an unset env: header: said at once, tried again on the next call.
        if (err.failure === 'misconfigured') throw err;
        // A connection kept from earlier may have lost its upstream session (the server
        // restarted): one fresh connection is tried before the server counts as failed.
        if (reused && err.failure !== 'timeout') {
          reused = false;
          continue;
        }
        this.o.cooldowns.mark(server.name, Date.now() + this.o.cooldownMs);
        this.o.log.warn({ mcpServer: server.name, failure: err.failure, err: err.message, detail: err.detail }, 'upstream MCP server failed; cooling down');
        throw err;
      }
    }
  }

  /** Close every connection (shutdown). */
  async close(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(all.map((c) => c.client.then((cl) => cl.close()).catch(() => {})));
  }

  private connection(server: McpServer, timeout: number): Connection {
    const version = server.updated_at ?? '';
    const held = this.conns.get(server.name);
    if (held && held.version === version) return held;
    if (held) this.drop(server.name, held);
    const conn: Connection = { version, client: this.connect(server, timeout) };
    conn.client.catch(() => {}); // awaited by the caller; a failure there drops it
    this.conns.set(server.name, conn);
    return conn;
  }

  private async connect(server: McpServer, timeout: number): Promise<Client> {
    const { headers, unset } = resolveMcpHeaders(server.headers, this.o.env);
    if (unset.length) throw new McpUpstreamError(server.name, 'misconfigured', `MCP server "${server.name}" needs ${unset.join(', ')} set on the gateway pods`);
    const url = new URL(server.url);
    const init = { requestInit: { headers } };
    const transport = server.transport === 'sse' ? new SSEClientTransport(url, init) : new StreamableHTTPClientTransport(url, init);
    const client = new Client({ name: 'llmgw', version: '0.1.0' });
    client.onerror = () => {}; // a failure reaches the call that meets it
    await client.connect(transport, { timeout, maxTotalTimeout: timeout });
    return client;
  }

  private drop(name: string, conn: Connection): void {
    if (this.conns.get(name) === conn) this.conns.delete(name);
    void conn.client.then((c) => c.close()).catch(() => {});
  }

  /** What went wrong, in words a client may read: no URL, header or upstream detail (they may hold secrets). */
  private classify(name: string, e: unknown, timeout: number): McpUpstreamError {
    if (e instanceof McpUpstreamError) return e;
    if (e instanceof McpError) {
      if (e.code === (ErrorCode.RequestTimeout as number)) return new McpUpstreamError(name, 'timeout', `MCP server "${name}" did not answer within ${timeout} ms`);
      if (e.code === (ErrorCode.ConnectionClosed as number)) return new McpUpstreamError(name, 'unreachable', `MCP server "${name}" closed the connection`);
      // The upstream's own JSON-RPC error: its message is the tool's business, passed on as it is.
      return new McpUpstreamError(name, 'rpc', e.message.replace(/^MCP error -?\d+: /, ''), e.code);
    }
    if ((e instanceof StreamableHTTPError || e instanceof SseError) && typeof e.code === 'number' && e.code > 0) {
      const detail = e.message.replace(/\s+/g, ' ').slice(0, 300);
      if (e.code === 401 || e.code === 403) return new McpUpstreamError(name, 'misconfigured', `MCP server "${name}" refused the gateway's credentials (HTTP ${e.code}); check its headers (gwctl mcp show ${name})`, undefined, detail);
      return new McpUpstreamError(name, 'unreachable', `MCP server "${name}" answered HTTP ${e.code}`, undefined, detail);
    }
    const text = e instanceof Error ? `${e.name} ${e.message} ${String((e as { cause?: { code?: string } }).cause?.code ?? '')}` : String(e);
    const detail = text.replace(/\s+/g, ' ').slice(0, 300);
    if (/ZodError|invalid_type|Unexpected token|JSON|content type|Unexpected content/i.test(text)) {
      return new McpUpstreamError(name, 'protocol', `MCP server "${name}" sent an answer that is not valid MCP`, undefined, detail);
    }
    if (/timeout|timed out|aborted/i.test(text)) return new McpUpstreamError(name, 'timeout', `MCP server "${name}" did not answer within ${timeout} ms`, undefined, detail);
    return new McpUpstreamError(name, 'unreachable', `MCP server "${name}" is unreachable`, undefined, detail);
  }
}
