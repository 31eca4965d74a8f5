import { defaultAuthForm, envVariable, providerAuthHeader, resolveSecret, type Provider } from '@llmgw/core';
import { UserError } from '../../errors.js';

/** The auth and version headers a provider expects, secret included: the gateway's own rule (core providerAuthHeader). */
function upstreamHeaders(p: Provider, secret: string | undefined): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json', ...p.headers };
  if (p.type === 'anthropic') h['anthropic-version'] ??= '2023-06-01';
  const auth = providerAuthHeader(p, secret, defaultAuthForm(p.type));
  if (auth) h[auth[0]] = auth[1];
  return h;
}

/** A secret of the provider resolved in this shell (`index` is 0-based), or the variables that are unset here. */
export type PickedSecret = { index: number; secret: string } | { unset: string[] };

/**
 * The secret gwctl calls the upstream with: number `n` (1-based) when given, else the first
 * that resolves in this shell; null when the provider sends none (`auth_type none`, no secrets).
 */
export function pickSecret(p: Provider, env: NodeJS.ProcessEnv, n?: number): PickedSecret | null {
  if (p.auth_type === 'none' || p.secrets.length === 0) return null;
  if (n !== undefined && p.secrets[n - 1] === undefined) throw new UserError(`provider "${p.name}" has ${p.secrets.length} secret(s); there is no #${n} (see gwctl provider show)`);
  const indexes = n === undefined ? p.secrets.map((_, i) => i) : [n - 1];
  for (const i of indexes) {
    const secret = resolveSecret(p.secrets[i]!, env);
    if (secret) return { index: i, secret };
  }
  return { unset: indexes.map((i) => envVariable(p.secrets[i]!)).filter((v): v is string => v !== null) };
}

/** The first secret of the provider that resolves here (env: references read this shell's env). */
function firstSecret(p: Provider, env: NodeJS.ProcessEnv): string | undefined {
  const picked = pickSecret(p, env);
  if (picked === null) return undefined;
  if ('secret' in picked) return picked.secret;
  throw new UserError(
    `none of the secrets of provider "${p.name}" resolves in this shell (${picked.unset.map((v) => `env:${v}`).join(', ')} unset); export it to ask the upstream`,
  );
}

/** An upstream answer: any HTTP status. */
export interface UpstreamReply {
  url: string;
  status: number;
  statusText: string;
  text: string;
  /** Time to the whole answer. */
  ms: number;
}

/** Why a call got no HTTP answer at all. */
export type NoAnswerKind = 'unreachable' | 'tls' | 'timeout';

/** A call that got no HTTP answer; a user error whose message names the URL and the cause, never the secret. */
export class NoAnswerError extends UserError {
  constructor(
    readonly kind: NoAnswerKind,
    readonly url: string,
    /** The system's code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, …) or a short reason. */
    readonly why: string,
  ) {
    super(`cannot reach ${url}: ${why}`);
    this.name = 'NoAnswerError';
  }
}

// Node's TLS and OpenSSL error codes (certificate checks, a plain HTTP server behind https://).
const TLS_CODE = /CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/**
 * One call to the provider's upstream with its own credentials: the one HTTP path gwctl
 * uses (`provider models --remote`, `provider test`). `path` goes after the base URL.
 * Resolves with any HTTP answer; throws NoAnswerError when there is none.
 */
export async function callUpstream(p: Provider, secret: string | undefined, call: { method: 'GET' | 'POST'; path: string; body?: unknown; timeoutMs: number }): Promise<UpstreamReply> {
  const url = `${p.base_url.replace(/\/+$/, '')}${call.path}`;
  const headers = upstreamHeaders(p, secret);
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const t0 = performance.now();
  let res: Response;
  try {
    res = await fetch(url, {
      method: call.method,
      headers,
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      signal: AbortSignal.timeout(call.timeoutMs),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError') throw new NoAnswerError('timeout', url, `no answer within ${call.timeoutMs} ms`);
    const why = scrub(err.cause?.code ?? err.cause?.message ?? err.message, secret);
    throw new NoAnswerError(TLS_CODE.test(why) ? 'tls' : 'unreachable', url, why);
  }
  const text = await res.text().catch(() => '');
  return { url, status: res.status, statusText: res.statusText, text, ms: Math.round(performance.now() - t0) };
}

/** `GET {base_url}/models` (Anthropic lists at most 20 without `limit`). */
export function modelsPath(p: Provider): string {
  return `/models${p.type === 'anthropic' ? '?limit=1000' : ''}`;
}

/** The model ids of a models-list answer (OpenAI `data`, some servers `models` or a bare list; Gemini's resource names without `models/`). */
export function parseModelIds(r: UpstreamReply): string[] {
  let body: unknown;
  try {
    body = JSON.parse(r.text);
  } catch {
    throw new UserError(`GET ${r.url} did not answer JSON`);
  }
  const list = Array.isArray(body) ? body : ((body as { data?: unknown; models?: unknown })?.data ?? (body as { models?: unknown })?.models);
  if (!Array.isArray(list)) throw new UserError(`GET ${r.url} answered JSON without a "data" list of models`);
  const ids = list
    .map((m) => (typeof m === 'string' ? m : ((m as { id?: unknown; name?: unknown })?.id ?? (m as { name?: unknown })?.name)))
    .filter((id): id is string => typeof id === 'string' && id.length > 0)
    .map((id) => id.replace(/^models\//, ''));
  return [...new Set(ids)].sort();
}

/**
 * Ask the upstream `GET {base_url}/models` with the provider's own credentials and return
 * the model ids. Every failure is a user error whose message never contains the secret.
 */
export async function listUpstreamModels(p: Provider, env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<string[]> {
  const secret = firstSecret(p, env);
  const r = await callUpstream(p, secret, { method: 'GET', path: modelsPath(p), timeoutMs });
  if (r.status < 200 || r.status >= 300) {
    const msg = upstreamMessage(r.text);
    throw new UserError(scrub(`GET ${r.url} answered ${r.status} ${r.statusText}${msg ? `: ${msg}` : ''}`, secret));
  }
  return parseModelIds(r);
}

/** The message of an OpenAI/Anthropic-shaped error body, shortened to one line. */
export function upstreamMessage(text: string): string {
  let msg = text;
  try {
    const b = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    msg = (typeof b.error === 'string' ? b.error : b.error?.message) ?? b.message ?? text;
  } catch {
    /* not JSON: use the text */
  }
  msg = msg.replace(/\s+/g, ' ').trim();
  return msg.length > 200 ? `${msg.slice(0, 200)}…` : msg;
}

/** `text` with the secret replaced by `***`. */
export function scrub(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('***') : text;
}
