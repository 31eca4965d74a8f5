import type { AdminRole, RedisClient, Registry } from '@llmgw/core';
import type { z } from 'zod';
import type { UsageSource } from './usage-source.js';

/** Who is calling: an admin token, presented as a Bearer header or through a browser session. */
export interface Principal {
  name: string;
  role: AdminRole;
  via: 'bearer' | 'session';
  /** The session's CSRF token (sessions only). */
  csrf?: string;
  /** SHA-256 of the session cookie (sessions only), to end it. */
  sessionHash?: string;
}

/** What a handler gets: validated input, the registry acting as the caller, and a way to set response headers. */
export interface RouteContext<B, Q> {
  params: Record<string, string>;
  body: B;
  query: Q;
  /** The registry, auditing writes as `token:<name>`. */
  registry: Registry;
  redis: RedisClient;
  usage: UsageSource;
  who: Principal | null;
  now: () => Date;
  /** Extra response headers (Set-Cookie). */
  headers: Record<string, string | string[]>;
  /** The session cookie settings (sign in / out). */
  session: { ttlSeconds: number; secure: boolean };
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One API route: what the server dispatches and what the OpenAPI document describes. */
export interface Route {
  method: Method;
  /** OpenAPI-style path: `/api/v1/keys/{ref}`. */
  path: string;
  /** Least role allowed; null: no token needed. */
  role: AdminRole | null;
  summary: string;
  tag: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Status of a success (default 200). */
  status?: number;
  handler: (ctx: RouteContext<unknown, unknown>) => Promise<unknown>;
}

/** Declare a route with its handler typed by its schemas. */
export function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(r: {
  method: Method;
  path: string;
  role: AdminRole | null;
  summary: string;
  tag: string;
  body?: B;
  query?: Q;
  status?: number;
  handler: (ctx: RouteContext<B extends z.ZodType ? z.output<B> : undefined, Q extends z.ZodType ? z.output<Q> : undefined>) => Promise<unknown>;
}): Route {
  return r as unknown as Route;
}

/** A compiled route table: path patterns as regular expressions. */
export function matchRoute(routes: readonly Route[], method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | null {
  let wrongMethod = false;
  for (const r of routes) {
    const names: string[] = [];
    const re = new RegExp(`^${r.path.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`);
    const m = re.exec(path);
    if (!m) continue;
    if (r.method !== method) {
      wrongMethod = true;
      continue;
    }
    const params: Record<string, string> = {};
    names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    return { route: r, params };
  }
  return wrongMethod ? 'method' : null;
}
