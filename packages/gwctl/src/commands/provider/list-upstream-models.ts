import { resolveSecret, type Provider } from '@llmgw/core';
import { UserError } from '../../errors.js';

/** The auth and version headers a provider expects, secret included. */
export function upstreamHeaders(p: Provider, secret: string | undefined): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json', ...p.headers };
  if (p.type === 'anthropic') h['anthropic-version'] ??= '2023-06-01';
  if (!secret || p.auth_type === 'none') return h;
  if (p.auth_type === 'header' && p.auth_header) h[p.auth_header] = secret;
  else if (p.type === 'anthropic') h['x-api-key'] = secret;
  else h.authorization = `Bearer ${secret}`;
  return h;
}

/** The first secret of the provider that resolves here (env: references read this shell's env). */
export function firstSecret(p: Provider, env: NodeJS.ProcessEnv): string | undefined {
  if (p.auth_type === 'none' || p.secrets.length === 0) return undefined;
  for (const ref of p.secrets) {
    const s = resolveSecret(ref, env);
    if (s) return s;
  }
  throw new UserError(
    `none of the secrets of provider "${p.name}" resolves in this shell (${p.secrets.filter((s) => s.startsWith('env:')).join(', ')} unset); export it to ask the upstream`,
  );
}

/**
 * Ask the upstream `GET {base_url}/models` with the provider's own credentials and return
 * the model ids. Every failure is a user error whose message never contains the secret.
 */
export async function listUpstreamModels(p: Provider, env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<string[]> {
  const secret = firstSecret(p, env);
  const url = `${p.base_url.replace(/\/+$/, '')}/models${p.type === 'anthropic' ? '?limit=1000' : ''}`;
  const scrub = (s: string) => (secret ? s.split(secret).join('***') : s);
  let res: Response;
  try {
    res = await fetch(url, { headers: upstreamHeaders(p, secret), signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new UserError(scrub(`cannot reach ${url}: ${why}`));
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    throw new UserError(scrub(`GET ${url} answered ${res.status} ${res.statusText}${upstreamMessage(text) ? `: ${upstreamMessage(text)}` : ''}`));
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UserError(`GET ${url} did not answer JSON`);
  }
  const list = Array.isArray(body) ? body : ((body as { data?: unknown; models?: unknown })?.data ?? (body as { models?: unknown })?.models);
  if (!Array.isArray(list)) throw new UserError(`GET ${url} answered JSON without a "data" list of models`);
  const ids = list
    .map((m) => (typeof m === 'string' ? m : ((m as { id?: unknown; name?: unknown })?.id ?? (m as { name?: unknown })?.name)))
    .filter((id): id is string => typeof id === 'string' && id.length > 0);
  return [...new Set(ids)].sort();
}

/** The message of an OpenAI/Anthropic-shaped error body, shortened to one line. */
function upstreamMessage(text: string): string {
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
