import { createHash } from 'node:crypto';
import { compileGlobs } from './glob.js';
import { envVariable, maskSecret, resolveSecret } from './secrets.js';

/**
 * How the gateway names what an upstream MCP server offers, and which of it a key may use.
 * Every tool and prompt is `{server}__{name}`, a valid function name for every LLM API
 * (`^[a-zA-Z0-9_-]{1,64}$`); resources keep their URI behind `mcp://{server}/`.
 */

/** What every LLM API accepts as a function (tool) name. */
export const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const SEPARATOR = '__';
const MAX = 64;

/**
 * The name a client sees for `name` of `server`: `{server}__{name}` when that is a valid
 * function name; otherwise the characters outside `[A-Za-z0-9_-]` become `_`, the result is cut
 * to fit 64 characters and `_` + 8 hex digits of the SHA-256 of the upstream name are appended,
 * so that two upstream names never share one (and every pod computes the same).
 */
export function exposedName(server: string, name: string): string {
  const plain = `${server}${SEPARATOR}${name}`;
  if (FUNCTION_NAME.test(plain)) return plain;
  const suffix = `_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  const body = `${server}${SEPARATOR}${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return body.slice(0, MAX - suffix.length) + suffix;
}

/** The server an exposed name belongs to (before the first `__`), or null. */
export function serverOfExposed(exposed: string): string | null {
  const i = exposed.indexOf(SEPARATOR);
  return i > 0 ? exposed.slice(0, i) : null;
}

const RESOURCE_SCHEME = 'mcp://';

/** The URI a client sees for an upstream resource (or template) URI: `mcp://{server}/{uri}`. */
export function exposedUri(server: string, uri: string): string {
  return `${RESOURCE_SCHEME}${server}/${uri}`;
}

/** `mcp://{server}/{uri}` back to its server and upstream URI, or null. */
export function parseExposedUri(uri: string): { server: string; uri: string } | null {
  if (!uri.startsWith(RESOURCE_SCHEME)) return null;
  const rest = uri.slice(RESOURCE_SCHEME.length);
  const i = rest.indexOf('/');
  return i > 0 && i < rest.length - 1 ? { server: rest.slice(0, i), uri: rest.slice(i + 1) } : null;
}

/** What a grant is matched against: `{server}__{name}` for tools and prompts, `{server}__{uri}` for resources. */
export function grantSubject(server: string, nameOrUri: string): string {
  return `${server}${SEPARATOR}${nameOrUri}`;
}

/** A key's grant as a matcher: empty grants nothing (default deny), `*` everything. */
export function compileGrant(globs: readonly string[]): (subject: string) => boolean {
  return globs.length === 0 ? () => false : compileGlobs(globs);
}

/**
 * Could any subject of `server` match one of `globs`? Lets the gateway skip the servers a key
 * can use nothing of without asking them what they offer.
 */
export function grantReaches(globs: readonly string[], server: string): boolean {
  const head = `${server}${SEPARATOR}`;
  return globs.some((g) => {
    const lit = g.split(/[*?]/, 1)[0]!;
    return lit.length < g.length ? lit.startsWith(head) || head.startsWith(lit) : g.startsWith(head);
  });
}

/** MCP server headers for display: `env:VAR` as is, literal values masked. */
export function maskHeaderValues(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, maskSecret(v)]));
}

/** An MCP server's headers as sent: `env:VAR` values read from `env`; the variables that are unset are named in `unset` (their headers left out). */
export function resolveMcpHeaders(headers: Record<string, string>, env: NodeJS.ProcessEnv = process.env): { headers: Record<string, string>; unset: string[] } {
  const out: Record<string, string> = {};
  const unset: string[] = [];
  for (const [k, ref] of Object.entries(headers)) {
    const v = resolveSecret(ref, env);
    if (v === undefined) unset.push(envVariable(ref) ?? k);
    else out[k] = v;
  }
  return { headers: out, unset };
}
