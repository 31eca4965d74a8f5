// Real loopback servers and a recording handler for the upstream HTTP client tests
// (packages/gateway/src/upstream/h1/*.test.ts): raw node:net / node:tls servers that write
// exactly the bytes a test wants, and a self-signed certificate made with openssl.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach } from 'vitest';
import { createAgent } from '../../packages/gateway/src/upstream/agents.js';
import type { UpstreamAgent, UpstreamController, UpstreamDispatcher, UpstreamDispatchOptions, UpstreamHeaders } from '../../packages/gateway/src/upstream/dispatcher.js';
import type { ProxySettings } from '../../packages/gateway/src/upstream/h1/proxy-settings.js';
import { mapUpstreamError } from '../../packages/gateway/src/upstream/map-upstream-error.js';

/** One request as a raw server read it. */
export interface RawRequest {
  method: string;
  path: string;
  /** Header lines as received, in order. */
  rawHeaders: string[];
  headers: Record<string, string>;
  body: Buffer;
  /** The whole request as it came off the socket. */
  raw: Buffer;
}

export interface RawServer {
  origin: string;
  port: number;
  /** Every connection accepted, in order. */
  sockets: net.Socket[];
  /** Every request read, in order, with the index of its connection. */
  requests: (RawRequest & { conn: number })[];
  /** Connections that have closed. */
  closed: number;
  close(): Promise<void>;
}

/** `respond(req, socket, n)` for the n-th request (from 0) of the server; nothing is answered unless it writes. */
export type Respond = (req: RawRequest, socket: net.Socket, n: number) => void;

/**
 * An HTTP/1.1 server written by hand on node:net (or node:tls with `tls`): it reads requests
 * (head and content-length body) off each connection and lets `respond` write raw bytes.
 */
export async function rawServer(respond: Respond, opts: { tls?: tls.TlsOptions; onConnection?: (s: net.Socket) => void } = {}): Promise<RawServer> {
  const sockets: net.Socket[] = [];
  const requests: RawServer['requests'] = [];
  const state = { closed: 0 };
  const onSocket = (socket: net.Socket) => {
    const conn = sockets.length;
    sockets.push(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => state.closed++);
    opts.onConnection?.(socket);
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.toString('latin1', 0, end);
        const [line, ...rawHeaders] = head.split('\r\n');
        const headers: Record<string, string> = {};
        for (const h of rawHeaders) {
          const i = h.indexOf(':');
          headers[h.slice(0, i).toLowerCase()] = h.slice(i + 1).trim();
        }
        const len = Number(headers['content-length'] ?? 0);
        if (buf.length < end + 4 + len) return;
        const [method, p] = line!.split(' ');
        const raw = buf.subarray(0, end + 4 + len);
        const req = { method: method!, path: p!, rawHeaders, headers, body: Buffer.from(raw.subarray(end + 4)), raw: Buffer.from(raw), conn };
        buf = buf.subarray(end + 4 + len);
        requests.push(req);
        respond(req, socket, requests.length - 1);
      }
    });
  };
  const server = opts.tls ? tls.createServer({ ...opts.tls }, onSocket) : net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    origin: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    sockets,
    requests,
    get closed() {
      return state.closed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TCP server that accepts connections and never writes a byte. */
export async function silentServer(): Promise<{ port: number; sockets: net.Socket[]; close(): Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP port whose listener never accepts (its process is blocked) and whose accept queue is
 * full: a new connection never completes its handshake, which is what a connect timeout needs.
 */
export async function blackhole(): Promise<{ port: number; close(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [
    '-e',
    "const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>{console.log(s.address().port);setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,60000),20)})",
  ]);
  const port = Number(await new Promise<string>((r) => child.stdout!.once('data', (d) => r(String(d).trim()))));
  await sleep(100);
  const fillers = Array.from({ length: 4 }, () => net.connect(port, '127.0.0.1').on('error', () => {}));
  await sleep(200);
  return {
    port,
    close: async () => {
      fillers.forEach((s) => s.destroy());
      child.kill('SIGKILL');
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Write `data` to `socket` in pieces of `size` bytes, each in a TCP write of its own. */
export async function dribble(socket: net.Socket, data: string | Buffer, size = 1): Promise<void> {
  const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  for (let i = 0; i < b.length && !socket.destroyed; i += size) {
    socket.write(b.subarray(i, i + size));
    await new Promise((r) => setImmediate(r));
  }
}

/** A self-signed certificate for localhost and 127.0.0.1, or null (with why) when openssl is missing. */
export function selfSignedCert(): { key: string; cert: string } | { skip: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } catch (e) {
    return { skip: `openssl could not make a self-signed certificate: ${(e as Error).message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a request's handler saw. */
export interface Outcome {
  /** Callbacks in order: start, head:<status>, data, end, error. */
  events: string[];
  /** Final status (0 if none). */
  status: number;
  headers: UpstreamHeaders;
  statusMessage: string | undefined;
  chunks: Buffer[];
  body: Buffer;
  trailers: UpstreamHeaders | undefined;
  error: (Error & { code?: string }) | undefined;
}

export interface Hooks {
  onStart?(c: UpstreamController, o: Outcome): void;
  onHead?(c: UpstreamController, o: Outcome): void;
  onData?(c: UpstreamController, chunk: Buffer, o: Outcome): void;
}

/** Request options with test defaults (POST, small body, timeouts of 5 s). */
export function options(origin: string, over: Partial<UpstreamDispatchOptions> = {}): UpstreamDispatchOptions {
  return { origin, path: '/x', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}', headersTimeout: 5_000, bodyTimeout: 5_000, ...over };
}

/**
 * Dispatch and record every callback; resolves on the end or the error (a turn later, so a
 * callback that comes too late is recorded too). `outcome` is live before that.
 */
export function record(d: UpstreamDispatcher, opts: UpstreamDispatchOptions, hooks: Hooks = {}): Promise<Outcome> & { outcome: Outcome } {
  const o: Outcome = { events: [], status: 0, headers: {}, statusMessage: undefined, chunks: [], body: Buffer.alloc(0), trailers: undefined, error: undefined };
  let settle!: () => void;
  const p = new Promise<Outcome>((resolve) => {
    settle = () =>
      setTimeout(() => {
        o.body = Buffer.concat(o.chunks);
        resolve(o);
      }, 20);
  });
  d.dispatch(opts, {
    onRequestStart(c) {
      o.events.push('start');
      hooks.onStart?.(c, o);
    },
    onResponseStart(c, status, headers, statusMessage) {
      o.events.push(`head:${status}`);
      if (status < 200) return; // undici reports 1xx heads; the native client skips them
      o.status = status;
      o.headers = headers;
      o.statusMessage = statusMessage;
      hooks.onHead?.(c, o);
    },
    onResponseData(c, chunk) {
      o.events.push('data');
      o.chunks.push(Buffer.from(chunk));
      hooks.onData?.(c, chunk, o);
    },
    onResponseEnd(_c, trailers) {
      o.events.push('end');
      o.trailers = trailers;
      settle();
    },
    onResponseError(_c, err) {
      o.events.push('error');
      o.error = err;
      settle();
    },
  });
  return Object.assign(p, { outcome: o });
}

/**
 * The callbacks keep the contract: start first (unless refused before it), one final head,
 * data only after it, exactly one end or error, last.
 */
export function wellFormed(o: Outcome): boolean {
  const ev = o.events.filter((e) => !/^head:1\d\d$/.test(e));
  const last = ev.at(-1);
  if (last !== 'end' && last !== 'error') return false;
  if (ev.filter((e) => e === 'end' || e === 'error').length !== 1) return false;
  const body = ev[0] === 'start' ? ev.slice(1, -1) : ev.slice(0, -1);
  if (ev[0] !== 'start' && last !== 'error') return false;
  if (body.length === 0) return true;
  return /^head:\d\d\d$/.test(body[0]!) && body.slice(1).every((e) => e === 'data');
}

/** Resolve once `pred()` holds (polled every few ms); reject after `ms`. */
export async function until(pred: () => boolean, ms = 5_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The two upstream clients the conformance suites run against. */
export const CLIENTS = ['native', 'undici'] as const;
export type Client = (typeof CLIENTS)[number];

export interface AgentOverrides {
  connectTimeoutMs?: number;
  keepAliveMs?: number;
  tls?: tls.ConnectionOptions;
  maxConnectionsPerOrigin?: number;
  proxy?: ProxySettings | null;
}

/**
 * Agents (built as the gateway builds them) and servers made during a test, destroyed after
 * it; `track` registers anything else with a `close()`.
 */
export function useH1Fixtures() {
  const servers: { close(): Promise<void> }[] = [];
  const agents: UpstreamAgent[] = [];
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.destroy()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const track = <T extends { close(): Promise<void> }>(s: T): T => {
    servers.push(s);
    return s;
  };
  return {
    agent(client: Client, o: AgentOverrides = {}): UpstreamAgent {
      const connectTimeoutMs = o.connectTimeoutMs ?? 2_000;
      const a = createAgent({ ...o, client, connectTimeoutMs, keepAliveMs: o.keepAliveMs ?? 10_000 }, connectTimeoutMs);
      agents.push(a);
      return a;
    },
    server: async (respond: Respond, opts?: Parameters<typeof rawServer>[1]): Promise<RawServer> => track(await rawServer(respond, opts)),
    track,
  };
}

/** A 200 answer with a content-length body; `extra` = more header lines, each ending in CRLF. */
export const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

/** The catalog code the gateway would answer an upstream error with. */
export const mapped = (e: Error | undefined) => mapUpstreamError(e!, 'p').code;
