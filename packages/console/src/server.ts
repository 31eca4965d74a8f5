import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { roleAllows, type RedisClient, type Registry } from '@llmgw/core';
import { ApiError, toApiError } from './api-error.js';
import { openApiDocument } from './openapi.js';
import { matchRoute, type Principal, type Route, type RouteContext } from './route.js';
import { actorOf, adminRoutes } from './routes/admin.js';
import { keyRoutes } from './routes/keys.js';
import { modelRoutes } from './routes/models.js';
import { providerRoutes } from './routes/providers.js';
import { mcpRoutes } from './routes/mcp.js';
import { usageRoutes } from './routes/usage.js';
import { bearerPrincipal, readSessionCookie, sessionPrincipal } from './sessions.js';
import { webFile } from './static-files.js';
import type { UsageSource } from './usage-source.js';

/** Every route of the admin API, in the order the OpenAPI document lists them. */
export const ROUTES: readonly Route[] = [...adminRoutes, ...providerRoutes, ...modelRoutes, ...keyRoutes, ...mcpRoutes, ...usageRoutes];

const MAX_BODY = 1 << 20;

export interface ConsoleDeps {
  redis: RedisClient;
  /** The registry; each caller gets it `as(token:NAME)`, so writes are audited with their name. */
  registry: Registry;
  usage: UsageSource;
  /** Folder of the bundled web UI. */
  webRoot: string;
  session: { ttlSeconds: number; secure: boolean };
  now?: () => Date;
  /** Called with errors that became a 500 (the response says only "internal error"). */
  onError?: (e: unknown) => void;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  // Everything the UI loads is its own bundle: no CDN, no inline script.
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS, ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new ApiError(415, 'send the body as application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new ApiError(413, 'body larger than 1 MiB');
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw new ApiError(400, 'the body is not valid JSON');
  }
}

/** The session's CSRF token, compared in constant time. */
function csrfMatches(sent: string | string[] | undefined, expected: string | undefined): boolean {
  if (typeof sent !== 'string' || !expected) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function authenticate(deps: ConsoleDeps, req: IncomingMessage): Promise<Principal | null> {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m ? bearerPrincipal(deps.redis, m[1]!) : null;
  }
  const cookie = readSessionCookie(req.headers.cookie);
  return cookie ? sessionPrincipal(deps.redis, cookie) : null;
}

async function handleApi(deps: ConsoleDeps, req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET' && path === '/api/v1/openapi.json') return send(res, 200, openApiDocument(ROUTES));
  const found = matchRoute(ROUTES, method, path);
  if (found === null) throw new ApiError(404, `no route ${method} ${path}`);
  if (found === 'method') throw new ApiError(405, `${method} is not allowed on ${path}`);
  const { route, params } = found;
  let who: Principal | null = null;
  if (route.role) {
    who = await authenticate(deps, req);
    if (!who) throw new ApiError(401, 'sign in, or send Authorization: Bearer <admin token>');
    // A browser session's writes must carry the CSRF token it was given at sign-in (SameSite=Strict is the first guard).
    if (who.via === 'session' && method !== 'GET' && !csrfMatches(req.headers['x-csrf-token'], who.csrf)) throw new ApiError(403, 'missing or wrong x-csrf-token header');
    if (!roleAllows(who.role, route.role)) throw new ApiError(403, `this needs the ${route.role} role; token "${who.name}" is ${who.role}`);
  }
  const query = route.query ? route.query.parse(Object.fromEntries(url.searchParams)) : undefined;
  const body = route.body ? route.body.parse(await readJson(req)) : undefined;
  const headers: Record<string, string | string[]> = {};
  const ctx: RouteContext<unknown, unknown> = {
    params, body, query, headers, who,
    registry: who ? deps.registry.as(actorOf(who.name)) : deps.registry,
    redis: deps.redis,
    usage: deps.usage,
    now: deps.now ?? (() => new Date()),
    session: deps.session,
  };
  const result = await route.handler(ctx);
  send(res, route.status ?? 200, result, headers);
}

async function handle(deps: ConsoleDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://console');
  const path = url.pathname;
  if (path.startsWith('/api/')) {
    try {
      await handleApi(deps, req, res, path, url);
    } catch (e) {
      const err = toApiError(e);
      if (err.status === 500) deps.onError?.(e);
      send(res, err.status, { error: { message: err.message, ...(err.field ? { field: err.field } : {}) } });
    }
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: { message: 'only GET here' } });
  const file = await webFile(deps.webRoot, path);
  if (!file) return send(res, 404, 'not found', { 'content-type': 'text/plain; charset=utf-8' });
  res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

/** The console's HTTP server (node:http: a control-plane process serving a few people, where the standard server's simplicity wins over uWS's speed). */
export function createConsoleServer(deps: ConsoleDeps): Server {
  return createServer((req, res) => {
    handle(deps, req, res).catch((e: unknown) => {
      deps.onError?.(e);
      if (!res.headersSent) send(res, 500, { error: { message: 'internal error' } });
      else res.destroy();
    });
  });
}
