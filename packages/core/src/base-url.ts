import type { ProviderType } from './schemas.js';

/**
 * The API path of well-known hosts, per provider type: where their OpenAI-style (or
 * Anthropic) endpoints live under the origin, as each vendor documents it. A base URL given
 * as the bare origin (`https://api.openai.com`, as most docs and other gateways write it)
 * would otherwise send `POST /chat/completions` to the origin and get a 404.
 */
const KNOWN_API_PATHS: Partial<Record<ProviderType, Record<string, string>>> = {
  openai: {
    'api.openai.com': '/v1',
    'openrouter.ai': '/api/v1',
    'api.groq.com': '/openai/v1',
    'api.mistral.ai': '/v1',
    'api.deepseek.com': '/v1',
    'api.together.xyz': '/v1',
    'api.fireworks.ai': '/inference/v1',
    'api.x.ai': '/v1',
    'generativelanguage.googleapis.com': '/v1beta/openai',
  },
  anthropic: { 'api.anthropic.com': '/v1' },
};

/** What `normalizeBaseUrl` did or noticed, to be told to the person who gave the URL. */
export interface BaseUrlCheck {
  /** The URL to store: the input, or the input with the host's API path appended. */
  url: string;
  /** `appended`: the known API path was added; `no-path`: an unknown host without a path, kept as given. */
  kind: 'ok' | 'appended' | 'no-path';
  /** One sentence for a note or a warning; empty when `kind` is `ok`. */
  message: string;
}

/**
 * Check a provider's base URL. A bare origin of a well-known host gets that host's API path
 * (`https://api.openai.com` → `https://api.openai.com/v1`). A bare origin of any other host
 * is kept as given, since servers differ (vLLM and Ollama serve under `/v1`, some proxies at
 * the root) and a wrong guess would break a URL that works; it comes back as `no-path` so the
 * caller can warn. Azure takes the resource endpoint without a path, so it is never touched.
 * A URL that does not parse is returned unchanged for the schema to refuse.
 */
export function normalizeBaseUrl(raw: string, type: ProviderType = 'openai'): BaseUrlCheck {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { url: raw, kind: 'ok', message: '' };
  }
  if (type === 'azure' || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return { url: raw, kind: 'ok', message: '' };
  const origin = raw.replace(/\/+$/, '');
  const known = KNOWN_API_PATHS[type]?.[u.hostname.toLowerCase()];
  if (known) {
    const url = `${origin}${known}`;
    return { url, kind: 'appended', message: `base URL ${raw} is the bare host; using ${url}, where its API lives` };
  }
  const endpoint = type === 'anthropic' ? '/messages' : '/chat/completions';
  return {
    url: raw,
    kind: 'no-path',
    message: `base URL ${raw} has no path, so requests go to ${origin}${endpoint}; most APIs live under /v1 (OpenAI-compatible servers such as vLLM, Ollama, LiteLLM): give ${origin}/v1 if yours does`,
  };
}
