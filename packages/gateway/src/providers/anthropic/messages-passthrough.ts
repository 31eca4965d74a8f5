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
        const write = Math.max(acc?.cacheWriteTokens ?? 0, u.cacheWriteTokens ?? 0);
        acc = acc
          ? {
              promptTokens: Math.max(acc.promptTokens, u.promptTokens),
              completionTokens: Math.max(acc.completionTokens, u.completionTokens),
              cachedTokens: Math.max(acc.cachedTokens, u.cachedTokens),
              ...(write > 0 ? { cacheWriteTokens: write } : {}),
              estimated: false,
            }
          : u;
        o.onUsage(acc);
      },
    });
  },
};
