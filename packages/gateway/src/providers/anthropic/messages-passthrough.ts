import type { Usage } from '../../request-context.js';
import { SseTransform } from '../../relay/sse-transform.js';
import type { Codec } from '../codec.js';

/**
 * Anthropic client, Anthropic upstream: the body goes as is (model renamed). Only the usage
 * needs care: message_start reports the input tokens, message_delta the final output
 * tokens, so the two are merged rather than the last one winning.
 */
export const messagesPassthrough: Codec = {
  upstream: '/messages',
  keepQuery: true,
  stream: (o) => {
    let acc: Usage | null = null;
    return new SseTransform({
      upstreamModel: o.upstreamModel,
      publicModel: o.publicModel,
      dropUsageChunk: false,
      onErrorEvent: o.onErrorEvent,
      onUsage: (u) => {
        acc = acc ? mergeUsage(acc, u) : u;
        o.onUsage(acc);
      },
    });
  },
};

/** message_start's usage and message_delta's: each count is the larger of the two (the later one may repeat or omit the earlier). */
function mergeUsage(a: Usage, b: Usage): Usage {
  const out: Usage = {
    promptTokens: Math.max(a.promptTokens, b.promptTokens),
    completionTokens: Math.max(a.completionTokens, b.completionTokens),
    cachedTokens: Math.max(a.cachedTokens, b.cachedTokens),
    estimated: false,
  };
  const write = Math.max(a.cacheWriteTokens ?? 0, b.cacheWriteTokens ?? 0);
  const write1h = Math.max(a.cacheWrite1hTokens ?? 0, b.cacheWrite1hTokens ?? 0);
  if (write > 0) out.cacheWriteTokens = write;
  if (write1h > 0) out.cacheWrite1hTokens = write1h;
  return out;
}
