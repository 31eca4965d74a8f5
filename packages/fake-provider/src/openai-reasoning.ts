import type { Behaviour } from './types.js';

/**
 * `Behaviour.reasoningContent` streamed as DeepSeek and vLLM do: `delta.reasoning_content`
 * chunks (two, or one for a short text) before the answer's content.
 */
export function reasoningPieces(b: Behaviour): string[] {
  const text = b.reasoningContent;
  if (!text) return [];
  const half = Math.ceil(text.length / 2);
  return [text.slice(0, half), text.slice(half)].filter(Boolean);
}
