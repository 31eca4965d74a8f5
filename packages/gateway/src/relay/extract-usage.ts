import type { Usage } from '../request-context.js';

/** Find `"usage":{…}` in a JSON text and parse just that object (no parse of the whole body). */
export function findUsageObject(text: string): Record<string, unknown> | null {
  let i = text.indexOf('"usage"');
  while (i !== -1) {
    let j = i + 7;
    while (text[j] === ' ' || text[j] === ':' || text[j] === '\n' || text[j] === '\t' || text[j] === '\r') j++;
    if (text[j] === '{') {
      let depth = 0;
      let inStr = false;
      for (let k = j; k < text.length; k++) {
        const c = text[k];
        if (inStr) {
          if (c === '\\') k++;
          else if (c === '"') inStr = false;
        } else if (c === '"') inStr = true;
        else if (c === '{') depth++;
        else if (c === '}' && --depth === 0) {
          try {
            return JSON.parse(text.slice(j, k + 1)) as Record<string, unknown>;
          } catch {
            return null;
          }
        }
      }
      return null;
    }
    i = text.indexOf('"usage"', j);
  }
  return null;
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Normalise OpenAI chat/completions, Responses API and Anthropic usage objects. */
export function mapUsage(u: Record<string, unknown>): Usage | null {
  const details = (u.prompt_tokens_details ?? u.input_tokens_details) as Record<string, unknown> | undefined;
  if ('prompt_tokens' in u || 'completion_tokens' in u) {
    return { promptTokens: n(u.prompt_tokens), completionTokens: n(u.completion_tokens), cachedTokens: n(details?.cached_tokens), estimated: false };
  }
  if ('input_tokens' in u || 'output_tokens' in u) {
    const cached = n(details?.cached_tokens) + n(u.cache_read_input_tokens);
    // Anthropic counts cache reads and writes outside input_tokens; fold them in as prompt tokens.
    // Writes come as a total and, since the 1-hour TTL, split by TTL in `cache_creation`.
    const byTtl = (u.cache_creation ?? {}) as Record<string, unknown>;
    const write1h = n(byTtl.ephemeral_1h_input_tokens);
    const write = Math.max(n(u.cache_creation_input_tokens), n(byTtl.ephemeral_5m_input_tokens) + write1h);
    const usage: Usage = { promptTokens: n(u.input_tokens) + n(u.cache_read_input_tokens) + write, completionTokens: n(u.output_tokens), cachedTokens: cached, estimated: false };
    if (write > 0) usage.cacheWriteTokens = write;
    if (write1h > 0) usage.cacheWrite1hTokens = write1h;
    return usage;
  }
  return null;
}

export function extractUsage(text: string): Usage | null {
  const u = findUsageObject(text);
  return u ? mapUsage(u) : null;
}

const USAGE_KEY = Buffer.from('"usage"');

/** `extractUsage` of a UTF-8 body, decoding only from the first `"usage"` on. */
export function extractUsageFromBytes(body: Buffer): Usage | null {
  const i = body.indexOf(USAGE_KEY);
  return i === -1 ? null : extractUsage(body.toString('utf8', i));
}
